package org.cvtzoo.zoo.train;

/**
 * Which parameters get weight decay. Decided from the parameter's {@code state_dict} name and
 * rank only (rank is the same in PyTorch and graph layout).
 */
@FunctionalInterface
public interface DecayRule {

    /** Every parameter is decayed (a single parameter group, as PyTorch's default). */
    DecayRule ALL = (name, rank) -> true;

    /** Whether {@code name}, of rank {@code rank}, is weight-decayed. */
    boolean decays(String name, int rank);
}
