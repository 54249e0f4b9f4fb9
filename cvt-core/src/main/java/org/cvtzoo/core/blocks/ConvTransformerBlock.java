package org.cvtzoo.core.blocks;

import org.cvtzoo.core.graph.Ops;
import org.cvtzoo.core.graph.Scope;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * CvT's pre-norm transformer block ({@code blocks.i}):
 * {@code x + attn(norm1(x))}, then {@code x + mlp(norm2(x))} with QuickGELU.
 */
public final class ConvTransformerBlock {
    private ConvTransformerBlock() {
    }

    public static ConvAttention.Result apply(Scope s, Tokens in, ConvAttention.Config attn, double mlpRatio, double eps) {
        long dim = in.dim(), n = in.n();
        ConvAttention.Result a = ConvAttention.apply(s.child("attn"), in.with(Ops.layerNorm(s, "norm1", in.x(), dim, eps)), attn);
        SDVariable x = in.x().add(a.out());
        SDVariable mlp = Mlp.apply(s.child("mlp"), Ops.layerNorm(s, "norm2", x, dim, eps), n, dim,
                (long) (dim * mlpRatio), Ops::quickGelu);
        return new ConvAttention.Result(x.add(mlp), a.probs(), a.heads(), a.queries(), a.keyGrid());
    }
}
