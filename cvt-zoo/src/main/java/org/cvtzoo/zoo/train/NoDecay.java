package org.cvtzoo.zoo.train;

import java.util.Set;

/**
 * The usual fine-tuning parameter groups for vision transformers: no weight decay for
 * <ul>
 *   <li>every parameter of rank &lt;= 1: biases, LayerNorm/BatchNorm weights, 1-D layer scales;</li>
 *   <li>names ending in {@code .bias} (or named {@code bias});</li>
 *   <li>tokens and position embeddings, whatever their rank: last name component
 *       {@code cls_token}, {@code dist_token} or {@code pos_embed};</li>
 *   <li>layer-scale gammas: last component {@code gamma} or starting with {@code gamma}
 *       ({@code gamma_1}, {@code gamma_2}, ...).</li>
 * </ul>
 * Everything else (linear and convolution weights) is decayed. This is the rule of timm's
 * {@code param_groups_weight_decay} (rank &lt;= 1 or bias) plus the models' own
 * {@code no_weight_decay()} names ({@code cls_token}, {@code pos_embed}, layer-scale gammas).
 */
public final class NoDecay {
    private NoDecay() {
    }

    private static final Set<String> NAMES = Set.of("cls_token", "dist_token", "pos_embed");

    private static final DecayRule RULE = (name, rank) -> !excluded(name, rank);

    /** The rule: decay unless {@link #excluded}. */
    public static DecayRule rule() {
        return RULE;
    }

    /** Whether {@code name} (of rank {@code rank}) is kept out of weight decay. */
    public static boolean excluded(String name, int rank) {
        if (rank <= 1) return true;
        String last = name.substring(name.lastIndexOf('.') + 1);
        return last.equals("bias") || NAMES.contains(last) || last.startsWith("gamma");
    }
}
