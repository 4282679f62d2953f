/** lockkit's client core, shared by every backend. Not API: anything here may change in any release. */
@NullMarked
package dev.lockkit.internal;

import org.jspecify.annotations.NullMarked;
