/** Helpers shared by this module's packages. Not API: anything here may change without notice. */
@NullMarked
package dev.lockkit.idempotency.internal;

import org.jspecify.annotations.NullMarked;
