package org.cvtzoo.core.blocks;

import org.cvtzoo.core.graph.Ops;
import org.cvtzoo.core.graph.Scope;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * The tail every family shares: the final LayerNorm {@code norm} gives the pre-logits features
 * {@code [B, dim]}, the Linear {@code head} the logits {@code [B, classes]}.
 */
public final class ClassifierHead {
    private ClassifierHead() {
    }

    public record Result(SDVariable features, SDVariable logits) {
    }

    /**
     * On a class token {@code [B, 1, dim]}. LayerNorm is per token, so normalising the class
     * token alone gives what the official code's {@code norm(x)[:, 0]} gives.
     */
    public static Result onClassToken(Scope root, SDVariable cls, long dim, long classes, double eps) {
        SDVariable features = root.sd().reshape(Ops.layerNorm(root, "norm", cls, dim, eps), -1, dim);
        return new Result(features, Ops.linear(root, "head", features, 0, dim, classes, true));
    }

    /** On the mean of the normalised tokens {@code [B, n, dim]} (a last stage without class token). */
    public static Result onMeanOfTokens(Scope root, SDVariable tokens, long dim, long classes, double eps) {
        SDVariable features = Ops.layerNorm(root, "norm", tokens, dim, eps).mean(1);
        return new Result(features, Ops.linear(root, "head", features, 0, dim, classes, true));
    }
}
