package org.cvtzoo.zoo;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * What fine-tuning needs to know of a family's parameters, by their official names, as timm's
 * models say it: the classifier ({@code get_classifier}), the parameters that take no weight
 * decay ({@code no_weight_decay}) and the blocks in forward order ({@code group_matcher}), which
 * {@code last:N} counts from the end.
 *
 * @param classifier    the classifier module ({@code head}): what a new head replaces and what
 *                      trains with the backbone frozen
 * @param finalNorm     the norm after the last block, which trains with the last blocks
 * @param blocks        the model's lists of blocks in forward order ({@code blocks} with its depth,
 *                      or CvT's {@code stage0.blocks}, {@code stage1.blocks}, ...)
 * @param noWeightDecay the family's own parameters kept out of weight decay whatever their rank
 *                      (tokens, position embeddings, layer scales); biases and parameters of rank
 *                      &lt;= 1 take none in any family ({@code DecayRule.of})
 */
public record ParameterGroups(String classifier, String finalNorm, List<Blocks> blocks, Predicate<String> noWeightDecay) {
    /** {@link #block} of a parameter in no block: the embeddings and tokens before or between the blocks. */
    public static final int NO_BLOCK = -1;
    /** {@link #block} of the final norm and the classifier. */
    public static final int AFTER_BLOCKS = Integer.MAX_VALUE;

    /** {@code count} blocks named {@code prefix.0}, {@code prefix.1}, ... */
    public record Blocks(String prefix, int count) {
        public Blocks {
            if (count < 0) throw new IllegalArgumentException(prefix + ": negative block count " + count);
        }
    }

    public ParameterGroups {
        blocks = List.copyOf(blocks);
    }

    /** Groups without blocks yet (add them with {@link #withBlocks}). */
    public static ParameterGroups of(String classifier, String finalNorm, Predicate<String> noWeightDecay) {
        return new ParameterGroups(classifier, finalNorm, List.of(), noWeightDecay);
    }

    /** These groups with {@code count} more blocks, {@code prefix.0} to {@code prefix.(count-1)}, after the others. */
    public ParameterGroups withBlocks(String prefix, int count) {
        List<Blocks> more = new ArrayList<>(blocks);
        more.add(new Blocks(prefix, count));
        return new ParameterGroups(classifier, finalNorm, more, noWeightDecay);
    }

    public boolean isClassifier(String name) {
        return name.startsWith(classifier + ".");
    }

    /** The number of blocks. */
    public int blockCount() {
        return blocks.stream().mapToInt(Blocks::count).sum();
    }

    /**
     * The block {@code name} belongs to, from 0 in forward order over the whole model;
     * {@link #AFTER_BLOCKS} for the final norm and the classifier, {@link #NO_BLOCK} for the rest.
     */
    public int block(String name) {
        if (isClassifier(name) || name.startsWith(finalNorm + ".")) return AFTER_BLOCKS;
        int first = 0;
        for (Blocks b : blocks) {
            int i = numberAfter(b.prefix() + ".", name);
            if (i >= 0 && i < b.count()) return first + i;
            first += b.count();
        }
        return NO_BLOCK;
    }

    /** {@code n} where {@code name} is {@code prefix + n + "." + ...}, else -1. */
    private static int numberAfter(String prefix, String name) {
        if (!name.startsWith(prefix)) return -1;
        int end = prefix.length();
        while (end < name.length() && Character.isDigit(name.charAt(end))) end++;
        if (end == prefix.length() || end == name.length() || name.charAt(end) != '.') return -1;
        return Integer.parseInt(name.substring(prefix.length(), end));
    }
}
