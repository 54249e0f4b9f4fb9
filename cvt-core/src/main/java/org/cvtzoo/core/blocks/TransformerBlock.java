package org.cvtzoo.core.blocks;

import org.cvtzoo.core.graph.Ops;
import org.cvtzoo.core.graph.Scope;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * A pre-norm transformer block ({@code blocks.i}, timm's {@code Block} without layer scale, as in ViT):
 * {@code x + dropPath(attn(norm1(x)))}, then {@code x + dropPath(mlp(norm2(x)))} with exact (erf)
 * GELU and {@code int(dim * mlp_ratio)} hidden units; drop path acts in training graphs only.
 */
public final class TransformerBlock {
    private TransformerBlock() {
    }

    /**
     * The block on rows {@code [B*n, dim]} of tokens: its output rows and its attention
     * probabilities {@code [B, heads, n, n]}.
     */
    public static FusedQkvAttention.Result apply(Scope s, SDVariable rows, long n, long dim, long heads,
                                                 double mlpRatio, boolean qkvBias, double eps, double dropPath) {
        FusedQkvAttention.Result a = FusedQkvAttention.apply(s.child("attn"), Ops.layerNorm(s, "norm1", rows, dim, eps),
                n, dim, heads, qkvBias);
        SDVariable y = rows.add(s.dropPathRows(a.out(), dropPath, n, dim));
        SDVariable mlp = Mlp.apply(s.child("mlp"), Ops.layerNorm(s, "norm2", y, dim, eps), dim,
                (long) (dim * mlpRatio), Ops::exactGelu);
        return new FusedQkvAttention.Result(y.add(s.dropPathRows(mlp, dropPath, n, dim)), a.probs());
    }
}
