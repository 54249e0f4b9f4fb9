package org.cvtzoo.core.blocks;

import org.cvtzoo.core.graph.Ops;
import org.cvtzoo.core.graph.ParamStore;
import org.cvtzoo.core.graph.Scope;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * A one-head class-attention block (CaiT's and PatchConvNet's {@code blocks_token_only.i}: deit's
 * {@code Layer_scale_init_Block_only_token} with {@code Learned_Aggregation_Layer}):
 * the class token attends over [class token, patches] after {@code norm1}; separate Linear
 * {@code attn.q}, {@code attn.k}, {@code attn.v} with bias, scale {@code dim ** -0.5}, output
 * Linear {@code attn.proj}; {@code cls + gamma_1 * attn}, then
 * {@code cls + gamma_2 * mlp(norm2(cls))} with exact GELU. The patches are not updated.
 */
public final class ClassAttentionBlock {
    private ClassAttentionBlock() {
    }

    /**
     * The new class token {@code [B, dim]}, and the attention of the class token over the
     * patches {@code [B, 1, h, w]} (one head): the block's softmax with the class token's own key left out
     * and the rest renormalised (the softmax of the patch scores alone), so that it sums to 1
     * over the grid.
     */
    public record Result(SDVariable cls, SDVariable patchAttention) {
    }

    /** The class token {@code [B, 1, c]} over the patches of an {@code h x w} grid, tokens {@code [B, h*w, c]}. */
    public static Result apply(Scope s, SDVariable cls, SDVariable patches, long c, long h, long w, double mlpRatio,
                               double initScale, double eps) {
        SameDiff sd = s.sd();
        long n = h * w + 1;
        SDVariable all = Ops.rows(sd.concat(1, cls, patches), c); // [B*n, c]
        SDVariable u = Ops.layerNorm(s, "norm1", all, c, eps);
        Scope a = s.child("attn");
        SDVariable q = Ops.linear(a, "q", Ops.firstTokenRows(u, n), c, c, true); // [B, C]
        SDVariable k = Ops.linear(a, "k", u, c, c, true);
        SDVariable v = Ops.linear(a, "v", u, c, c, true);
        // one head, as rank-4 [B, 1, tokens, C]: M2.1's batched mmul is verified at rank 4
        SDVariable scores = Ops.attentionScores(sd.reshape(q, -1, 1, 1, c), sd.reshape(k, -1, 1, n, c), Math.pow(c, -0.5),
                s.differentiable());
        SDVariable probs = sd.nn().softmax(scores, 3);
        SDVariable mixed = sd.reshape(sd.mmul(probs, sd.reshape(v, -1, 1, n, c)), -1, c);
        SDVariable attn = Ops.linear(a, "proj", mixed, c, c, true);
        SDVariable gamma1 = s.param("gamma_1", ParamStore.Layout.AS_IS, t -> t.assign(initScale), c);
        SDVariable gamma2 = s.param("gamma_2", ParamStore.Layout.AS_IS, t -> t.assign(initScale), c);
        SDVariable x = sd.reshape(cls, -1, c).add(attn.mul(gamma1));
        SDVariable mlp = Mlp.apply(s.child("mlp"), Ops.layerNorm(s, "norm2", x, c, eps), c,
                (long) (c * mlpRatio), Ops::exactGelu);
        SDVariable out = x.add(mlp.mul(gamma2));

        SDVariable patchScores = sd.reshape(scores, -1, n).get(SDIndex.all(), SDIndex.interval(1L, n));
        SDVariable map = sd.reshape(sd.nn().softmax(patchScores, 1), -1, 1, h, w);
        return new Result(out, map);
    }
}
