package org.cvtzoo.core.blocks;

import org.cvtzoo.core.graph.Ops;
import org.cvtzoo.core.graph.Scope;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * ViT's multi-head self-attention ({@code attn}, timm's {@code Attention}): one fused Linear
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
        SDVariable q = splitHeads(sd, channels(qkv, 0, dim).mul(Math.pow(hd, -0.5)), n, heads, hd);
        SDVariable k = splitHeads(sd, channels(qkv, dim, 2 * dim), n, heads, hd);
        SDVariable v = splitHeads(sd, channels(qkv, 2 * dim, 3 * dim), n, heads, hd);
        SDVariable probs = sd.nn().softmax(sd.mmul(q, k, false, true, false), 3);
        SDVariable merged = sd.reshape(sd.permute(sd.mmul(probs, v), 0, 2, 1, 3), -1, n, dim);
        return new Result(Ops.linear(s, "proj", merged, n, dim, dim, true), probs);
    }

    /** Channels {@code [from, to)} of tokens {@code [B, n, C]}. */
    private static SDVariable channels(SDVariable x, long from, long to) {
        return x.get(SDIndex.all(), SDIndex.all(), SDIndex.interval(from, to));
    }

    /** {@code [B, n, heads*hd]} to {@code [B, heads, n, hd]}. */
    private static SDVariable splitHeads(SameDiff sd, SDVariable x, long n, long heads, long hd) {
        return sd.permute(sd.reshape(x, -1, n, heads, hd), 0, 2, 1, 3);
    }
}
