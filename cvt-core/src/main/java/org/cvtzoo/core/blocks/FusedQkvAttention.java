package org.cvtzoo.core.blocks;

import org.cvtzoo.core.graph.Ops;
import org.cvtzoo.core.graph.Scope;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * Multi-head self-attention ({@code attn}, timm's {@code Attention}, as in ViT): one fused Linear
 * {@code qkv} (weight {@code [3*dim, dim]}, output in q, k, v order, each split into heads),
 * softmax attention scaled by {@code head_dim ** -0.5}, and the output Linear {@code proj}.
 */
public final class FusedQkvAttention {
    private FusedQkvAttention() {
    }

    /** The block's output {@code [B, n, dim]} and its attention probabilities {@code [B, heads, n, n]}. */
    public record Result(SDVariable out, SDVariable probs) {
    }

    public static Result apply(Scope s, SDVariable x, long n, long dim, long heads, boolean qkvBias) {
        SameDiff sd = s.sd();
        long hd = dim / heads;
        SDVariable qkv = Ops.linear(s, "qkv", x, n, dim, 3 * dim, qkvBias); // [B, n, 3*dim]
        // the scale goes on q (n x hd values per head) rather than on the n x n scores, as timm does
        SDVariable q = Ops.splitHeads(channels(qkv, 0, dim).mul(Math.pow(hd, -0.5)), n, heads, hd);
        SDVariable k = Ops.splitHeads(channels(qkv, dim, 2 * dim), n, heads, hd);
        SDVariable v = Ops.splitHeads(channels(qkv, 2 * dim, 3 * dim), n, heads, hd);
        SDVariable probs = sd.nn().softmax(sd.mmul(q, k, false, true, false), 3);
        return new Result(Ops.linear(s, "proj", Ops.mergeHeads(sd.mmul(probs, v), n, dim), n, dim, dim, true), probs);
    }

    /** Channels {@code [from, to)} of tokens {@code [B, n, C]}. */
    private static SDVariable channels(SDVariable x, long from, long to) {
        return x.get(SDIndex.all(), SDIndex.all(), SDIndex.interval(from, to));
    }
}
