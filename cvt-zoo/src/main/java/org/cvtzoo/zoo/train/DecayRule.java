package org.cvtzoo.zoo.train;

import org.cvtzoo.zoo.ParameterGroups;

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

    /**
     * timm's {@code param_groups_weight_decay} with the model's {@code no_weight_decay()}: no decay
     * for parameters of rank &lt;= 1 (biases, norm weights, 1-D layer scales), for names whose last
     * component is {@code bias}, and for the family's own {@link ParameterGroups#noWeightDecay()}
     * (tokens, position embeddings, layer scales); decay for everything else (linear and
     * convolution weights).
     */
    static DecayRule of(ParameterGroups groups) {
        return (name, rank) -> rank > 1 && !name.substring(name.lastIndexOf('.') + 1).equals("bias")
                && !groups.noWeightDecay().test(name);
    }
}
