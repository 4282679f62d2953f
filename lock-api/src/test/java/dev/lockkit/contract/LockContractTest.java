package dev.lockkit.contract;

/**
 * The contract every lockkit backend passes, unchanged: all eight semantics of DESIGN.md. A backend's test
 * extends this class and implements {@link #newClient}; the parts live in the superclasses, one role each:
 * {@link ExclusionContract}, {@link LeaseContract}, {@link WaitingContract}, {@link LifecycleContract}.
 */
public abstract class LockContractTest extends LifecycleContract {}
