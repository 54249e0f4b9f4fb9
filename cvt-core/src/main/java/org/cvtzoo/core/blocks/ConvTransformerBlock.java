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

    /** The training-time rates of a block: stochastic depth, dropout, attention dropout (0 in inference graphs). */
    public record Rates(double dropPath, double drop, double attnDrop) {
        public static final Rates NONE = new Rates(0, 0, 0);
    }

    public static ConvAttention.Result apply(Scope s, Tokens in, ConvAttention.Config attn, double mlpRatio, double eps,
                                             Rates rates) {
        long dim = in.dim(), n = in.n();
        ConvAttention.Result a = ConvAttention.apply(s.child("attn"), in.with(Ops.layerNorm(s, "norm1", in.x(), dim, eps)),
                attn, rates.drop(), rates.attnDrop());
        SDVariable x = in.x().add(s.dropPath(a.out(), rates.dropPath(), 3));
        long hidden = (long) (dim * mlpRatio);
        SDVariable mlp = Mlp.apply(s.child("mlp"), Ops.layerNorm(s, "norm2", x, dim, eps), n, dim, hidden,
                h -> s.dropout(Ops.quickGelu(h), rates.drop(), n, hidden));
        mlp = s.dropout(mlp, rates.drop(), n, dim);
        return new ConvAttention.Result(x.add(s.dropPath(mlp, rates.dropPath(), 3)), a.probs(), a.heads(), a.queries(), a.keyGrid());
    }
}
