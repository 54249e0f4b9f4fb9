package org.cvtzoo.zoo.cvt;

import org.cvtzoo.core.blocks.Tokens;
import org.cvtzoo.core.graph.Ops;
import org.cvtzoo.core.graph.Scope;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * CvT's multi-head attention with convolutional projections ({@code attn}): the class token
 * is split off, the grid is projected separately for q, k and v (q by {@code linear} when the
 * method is {@code avg}), the class token is put back in front, then separate q/k/v Linear
 * layers, softmax attention scaled by {@code dim_out ** -0.5} (the whole width, as the
 * official code does), and the output Linear {@code proj}. Dropout on the output projection
 * ({@code DROP_RATE}) and on the attention probabilities ({@code ATTN_DROP_RATE}) acts in
 * training graphs only.
 */
final class ConvAttention {
    private ConvAttention() {
    }

    /**
     * The block's output, its attention probabilities {@code [B, heads, nq, nkv]}, the layout
     * of its queries (the input tokens) and of its keys (the projected grid, plus the class
     * token in front where the input has one).
     */
    record Result(SDVariable out, SDVariable probs, long heads, Tokens queries, ConvProjection.Grid keyGrid) {
        Result withOut(SDVariable other) {
            return new Result(other, probs, heads, queries, keyGrid);
        }
    }

    static Result apply(Scope s, Tokens in, CvtSpec.Stage stage) {
        SameDiff sd = s.sd();
        long c = in.dim();
        SDVariable tokens = in.hasCls() ? Ops.tokens(in.x(), in.n(), c) : null;
        SDVariable cls = in.hasCls() ? Ops.tokenRange(tokens, 0, 1) : null;
        SDVariable patches = in.hasCls() ? Ops.tokenRange(tokens, 1, in.n()) : in.x();
        SDVariable grid = sd.reshape(patches, -1, in.h(), in.w(), c); // NHWC: the patch tokens' own order
        ConvProjection.Method kv = stage.qkvProjMethod();
        ConvProjection.Method qMethod = kv == ConvProjection.Method.AVG ? ConvProjection.Method.LINEAR : kv;
        long kernel = stage.kernelQkv();
        ConvProjection.Grid q = ConvProjection.apply(s.child("conv_proj_q"), qMethod, grid, c, in.h(), in.w(), kernel, stage.strideQ(), stage.paddingQ());
        ConvProjection.Grid k = ConvProjection.apply(s.child("conv_proj_k"), kv, grid, c, in.h(), in.w(), kernel, stage.strideKv(), stage.paddingKv());
        ConvProjection.Grid v = ConvProjection.apply(s.child("conv_proj_v"), kv, grid, c, in.h(), in.w(), kernel, stage.strideKv(), stage.paddingKv());
        long extra = in.hasCls() ? 1 : 0;
        long nq = q.h() * q.w() + extra, nkv = k.h() * k.w() + extra;

        long heads = stage.numHeads(), d = stage.dimEmbed(), hd = d / heads;
        boolean bias = stage.qkvBias();
        SDVariable qh = Ops.splitHeads(Ops.linear(s, "proj_q", rows(cls, q, c), c, d, bias), nq, heads, hd);
        SDVariable kh = Ops.splitHeads(Ops.linear(s, "proj_k", rows(cls, k, c), c, d, bias), nkv, heads, hd);
        SDVariable vh = Ops.splitHeads(Ops.linear(s, "proj_v", rows(cls, v, c), c, d, bias), nkv, heads, hd);
        // the scale is dim_out ** -0.5, the whole width, as the official code has it
        SDVariable probs = sd.nn().softmax(Ops.attentionScores(qh, kh, Math.pow(d, -0.5), s.differentiable()), 3);
        SDVariable attended = sd.mmul(s.dropout(probs, stage.attnDropRate(), heads, nq, nkv), vh);
        SDVariable out = Ops.linear(s, "proj", Ops.mergeHeads(attended, heads, hd), d, d, true);
        return new Result(s.dropoutRows(out, stage.dropRate(), nq, d), probs, heads, in, k);
    }

    /** The projected grid as rows, with the class token {@code [B, 1, C]} put back in front where there is one. */
    private static SDVariable rows(SDVariable cls, ConvProjection.Grid projected, long c) {
        if (cls == null) return Ops.rows(projected.nhwc(), c);
        SameDiff sd = cls.getSameDiff();
        return Ops.rows(sd.concat(1, cls, sd.reshape(projected.nhwc(), -1, projected.h() * projected.w(), c)), c);
    }
}
