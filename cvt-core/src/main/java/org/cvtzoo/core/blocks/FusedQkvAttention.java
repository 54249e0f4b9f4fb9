package org.cvtzoo.core.blocks;

import org.cvtzoo.core.graph.Ops;
import org.cvtzoo.core.graph.Scope;
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

    /** The block's output as rows {@code [B*n, dim]} and its attention probabilities {@code [B, heads, n, n]}. */
    public record Result(SDVariable out, SDVariable probs) {
    }

    /** On rows {@code [B*n, dim]} of tokens. */
    public static Result apply(Scope s, SDVariable rows, long n, long dim, long heads, boolean qkvBias) {
        SameDiff sd = s.sd();
        long hd = dim / heads;
        SDVariable qkv = Ops.linear(s, "qkv", rows, dim, 3 * dim, qkvBias); // [B*n, 3*dim]
        // [B, n, 3, heads, hd] -> [3, B, heads, n, hd]: one transpose puts q, k and v each in [B, heads, n, hd]
        SDVariable[] qkvHeads = sd.unstack(sd.permute(sd.reshape(qkv, -1, n, 3, heads, hd), 2, 0, 3, 1, 4), 0, 3);
        SDVariable scores = Ops.attentionScores(qkvHeads[0], qkvHeads[1], Math.pow(hd, -0.5), s.differentiable());
        SDVariable probs = sd.nn().softmax(scores, 3);
        SDVariable mixed = Ops.mergeHeads(sd.mmul(probs, qkvHeads[2]), heads, hd);
        return new Result(Ops.linear(s, "proj", mixed, dim, dim, true), probs);
    }
}
