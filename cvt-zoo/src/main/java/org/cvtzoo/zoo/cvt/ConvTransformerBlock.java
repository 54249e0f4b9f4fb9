package org.cvtzoo.zoo.cvt;

import org.cvtzoo.core.blocks.Mlp;
import org.cvtzoo.core.blocks.Tokens;
import org.cvtzoo.core.graph.Ops;
import org.cvtzoo.core.graph.Scope;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * CvT's pre-norm transformer block ({@code blocks.i}):
 * {@code x + dropPath(attn(norm1(x)))}, then {@code x + dropPath(mlp(norm2(x)))} with QuickGELU,
 * dropout after the MLP's activation and output; drop path and dropout act in training only.
 */
final class ConvTransformerBlock {
    private ConvTransformerBlock() {
    }

    static ConvAttention.Result apply(Scope s, Tokens in, CvtSpec.Stage stage, double dropPath, double eps) {
        long dim = in.dim(), n = in.n();
        ConvAttention.Result a = ConvAttention.apply(s.child("attn"), in.with(Ops.layerNorm(s, "norm1", in.x(), dim, eps)), stage);
        SDVariable x = in.x().add(s.dropPathRows(a.out(), dropPath, n, dim));
        long hidden = (long) (dim * stage.mlpRatio());
        SDVariable mlp = Mlp.apply(s.child("mlp"), Ops.layerNorm(s, "norm2", x, dim, eps), dim, hidden,
                h -> s.dropoutRows(Ops.quickGelu(h), stage.dropRate(), n, hidden));
        mlp = s.dropoutRows(mlp, stage.dropRate(), n, dim);
        return a.withOut(x.add(s.dropPathRows(mlp, dropPath, n, dim)));
    }
}
