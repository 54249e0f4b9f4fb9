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
     * On the class token {@code [B, dim]}. LayerNorm is per token, so normalising the class
     * token alone gives what the official code's {@code norm(x)[:, 0]} gives.
     */
    public static Result onClassToken(Scope root, SDVariable cls, long dim, long classes, double eps) {
        SDVariable features = Ops.layerNorm(root, "norm", cls, dim, eps);
        return new Result(features, Ops.linear(root, "head", features, dim, classes, true));
    }

    /** On the mean of the normalised tokens, given as rows {@code [B*n, dim]} (a last stage without class token). */
    public static Result onMeanOfTokens(Scope root, SDVariable rows, long n, long dim, long classes, double eps) {
        SDVariable features = Ops.tokens(Ops.layerNorm(root, "norm", rows, dim, eps), n, dim).mean(1);
        return new Result(features, Ops.linear(root, "head", features, dim, classes, true));
    }
}
