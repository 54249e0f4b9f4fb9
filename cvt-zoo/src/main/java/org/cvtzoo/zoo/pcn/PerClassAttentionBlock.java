package org.cvtzoo.zoo.pcn;

import org.cvtzoo.core.blocks.Mlp;
import org.cvtzoo.core.graph.Ops;
import org.cvtzoo.core.graph.ParamStore;
import org.cvtzoo.core.graph.Scope;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * deit's class-attention block with one class token per class ({@code blocks_token_only.0} with
 * {@code Learned_Aggregation_Layer_multi}, one head): after {@code norm1} over [class tokens,
 * patches], the k class tokens are the queries and the patch tokens alone the keys and values
 * (unlike the one-token layer, whose keys include the class token); scale {@code dim ** -0.5};
 * then, per class token, {@code cls + gamma_1 * attn} and {@code cls + gamma_2 * mlp(norm2(cls))}.
 *
 * <p>With {@code attendOwnToken} (not deit's; the spec's {@code multiclass_attend_own_token}) class
 * token i's keys and values are [class token i, the patches]: exactly the one-token block's
 * computation, once per class token.
 */
final class PerClassAttentionBlock {
    private PerClassAttentionBlock() {
    }

    /**
     * The new class tokens as rows {@code [B*k, c]}, and each class token's attention over the
     * patches {@code [B, k, h, w]} (with {@code attendOwnToken}, its own key left out and the rest
     * renormalised, as the one-token block's map).
     */
    record Result(SDVariable cls, SDVariable attention) {
    }

    /** Class tokens {@code [B, k, c]} over the patches {@code [B, h*w, c]} of an {@code h x w} grid. */
    static Result apply(Scope s, SDVariable cls, SDVariable patches, long k, long c, long h, long w, double mlpRatio,
                        double initScale, double eps, boolean attendOwnToken) {
        SameDiff sd = s.sd();
        long np = h * w, n = k + np;
        SDVariable u = Ops.tokens(Ops.layerNorm(s, "norm1", Ops.rows(sd.concat(1, cls, patches), c), c, eps), n, c);
        Scope a = s.child("attn");
        SDVariable q = Ops.linear(a, "q", Ops.rows(Ops.tokenRange(u, 0, k), c), c, c, true); // [B*k, c]
        SDVariable patchRows = Ops.rows(Ops.tokenRange(u, k, n), c);
        SDVariable keys = Ops.linear(a, "k", patchRows, c, c, true);
        SDVariable values = Ops.linear(a, "v", patchRows, c, c, true);
        // one head, as rank-4 [B, 1, tokens, c] (M2.1's batched mmul is verified at rank 4)
        SDVariable scores = Ops.attentionScores(sd.reshape(q, -1, 1, k, c), sd.reshape(keys, -1, 1, np, c),
                Math.pow(c, -0.5), s.differentiable());
        SDVariable probs = sd.nn().softmax(scores, 3); // [B, 1, k, h*w]
        SDVariable mixed;
        if (attendOwnToken) {
            // class token i's own key and value join the patches': score q_i . k_i, then one softmax over [own, patches]
            SDVariable clsRows = Ops.rows(Ops.tokenRange(u, 0, k), c);
            SDVariable ownKeys = Ops.linear(a, "k", clsRows, c, c, true);
            SDVariable ownValues = Ops.linear(a, "v", clsRows, c, c, true);
            SDVariable ownScores = sd.reshape(q.mul(Math.pow(c, -0.5)).mul(ownKeys).sum(true, 1), -1, 1, k, 1);
            SDVariable both = sd.nn().softmax(sd.concat(3, ownScores, scores), 3); // [B, 1, k, 1 + h*w]
            SDVariable toOwn = sd.reshape(both.get(SDIndex.all(), SDIndex.all(), SDIndex.all(), SDIndex.interval(0L, 1L)), -1, 1);
            SDVariable toPatches = both.get(SDIndex.all(), SDIndex.all(), SDIndex.all(), SDIndex.interval(1L, 1L + np));
            mixed = sd.reshape(sd.mmul(toPatches, sd.reshape(values, -1, 1, np, c)), -1, c).add(ownValues.mul(toOwn));
        } else {
            mixed = sd.reshape(sd.mmul(probs, sd.reshape(values, -1, 1, np, c)), -1, c);
        }
        SDVariable attn = Ops.linear(a, "proj", mixed, c, c, true);
        SDVariable gamma1 = s.param("gamma_1", ParamStore.Layout.AS_IS, t -> t.assign(initScale), c);
        SDVariable gamma2 = s.param("gamma_2", ParamStore.Layout.AS_IS, t -> t.assign(initScale), c);
        SDVariable x = Ops.rows(cls, c).add(attn.mul(gamma1));
        SDVariable mlp = Mlp.apply(s.child("mlp"), Ops.layerNorm(s, "norm2", x, c, eps), c, (long) (c * mlpRatio),
                Ops::exactGelu);
        return new Result(x.add(mlp.mul(gamma2)), sd.reshape(probs, -1, k, h, w));
    }
}
