package dev.lockkit.contract;

/**
 * The contract every lockkit backend passes, unchanged: all eight semantics of DESIGN.md, and the same with
 * several threads of one client (cohorting). A backend's test extends this class and implements
 * {@link #newClient}; the parts live in the superclasses, one role each: {@link ExclusionContract},
 * {@link LeaseContract}, {@link WaitingContract}, {@link LossContract}, {@link LifecycleContract}, {@link CohortingContract}, {@link SettingsContract}, {@link LockViewContract}. Every
 * test runs twice, with cohorting on and off (see {@link ContractBase}).
 */
public abstract class LockContractTest extends LockViewContract {}
