package org.cvtzoo.zoo.train;

import org.cvtzoo.core.ZooException;
import org.cvtzoo.zoo.ParameterGroups;

import java.util.List;

/**
 * What trains in a fine-tuning run: everything, the classifier only, or the classifier, the final
 * norm and the last {@code n} blocks. Written {@code all}, {@code head}, {@code last:N}.
 *
 * @param kind       which of the three
 * @param lastBlocks N for {@link Kind#LAST_BLOCKS}, else 0
 */
public record Trainable(Kind kind, int lastBlocks) {
    public enum Kind { ALL, HEAD, LAST_BLOCKS }

    public static final Trainable ALL = new Trainable(Kind.ALL, 0);
    /** The classifier only: the backbone keeps its pretrained values (BatchNorm statistics still move, as in PyTorch's train mode). */
    public static final Trainable HEAD = new Trainable(Kind.HEAD, 0);

    public Trainable {
        if (kind == null) throw new NullPointerException("kind");
        if (kind == Kind.LAST_BLOCKS ? lastBlocks < 1 : lastBlocks != 0) {
            throw new ZooException(kind == Kind.LAST_BLOCKS ? "the last N blocks need N >= 1, got " + lastBlocks
                    : kind + " takes no block count, got " + lastBlocks);
        }
    }

    /** The classifier, the final norm and the last {@code n} blocks. */
    public static Trainable lastBlocks(int n) {
        return new Trainable(Kind.LAST_BLOCKS, n);
    }

    /** {@code all}, {@code head} or {@code last:N} (N &gt;= 1), as {@link #toString} writes it. */
    public static Trainable parse(String text) {
        if (text.equals("all")) return ALL;
        if (text.equals("head")) return HEAD;
        if (text.startsWith("last:")) {
            try {
                int n = Integer.parseInt(text.substring("last:".length()));
                if (n >= 1) return lastBlocks(n);
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        throw new ZooException("what trains must be all, head or last:N with N >= 1, got '" + text + "'");
    }

    /** Those of {@code names} (a model's parameters, in its order) that train, by the family's {@code groups}. */
    public List<String> select(List<String> names, ParameterGroups groups) {
        return switch (kind) {
            case ALL -> List.copyOf(names);
            case HEAD -> names.stream().filter(groups::isClassifier).toList();
            case LAST_BLOCKS -> {
                int first = Math.max(0, groups.blockCount() - lastBlocks); // the final norm and classifier come after every block
                yield names.stream().filter(n -> groups.block(n) >= first).toList();
            }
        };
    }

    @Override
    public String toString() {
        return kind == Kind.LAST_BLOCKS ? "last:" + lastBlocks : kind.name().toLowerCase(java.util.Locale.ROOT);
    }
}
