package org.cvtzoo.core.blocks;

import org.cvtzoo.core.graph.Ops;
import org.cvtzoo.core.graph.Scope;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * ViT's pre-norm transformer block ({@code blocks.i}, timm's {@code Block} without layer scale
 * or drop-path): {@code x + attn(norm1(x))}, then {@code x + mlp(norm2(x))} with exact (erf)
 * GELU and {@code int(dim * mlp_ratio)} hidden units.
 */
public final class VitBlock {
    private VitBlock() {
    }

    /** The block's output {@code [B, n, dim]} and its attention probabilities {@code [B, heads, n, n]}. */
    public static FusedQkvAttention.Result apply(Scope s, SDVariable x, long n, long dim, long heads,
                                                 double mlpRatio, boolean qkvBias, double eps) {
        FusedQkvAttention.Result a = FusedQkvAttention.apply(s.child("attn"), Ops.layerNorm(s, "norm1", x, dim, eps),
                n, dim, heads, qkvBias);
        SDVariable y = x.add(a.out());
        SDVariable mlp = Mlp.apply(s.child("mlp"), Ops.layerNorm(s, "norm2", y, dim, eps), n, dim,
                (long) (dim * mlpRatio), Ops::exactGelu);
        return new FusedQkvAttention.Result(y.add(mlp), a.probs());
    }
}
