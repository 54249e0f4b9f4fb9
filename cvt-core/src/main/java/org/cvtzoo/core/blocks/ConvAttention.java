package org.cvtzoo.core.blocks;

import org.cvtzoo.core.graph.Ops;
import org.cvtzoo.core.graph.Scope;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * CvT's multi-head attention with convolutional projections ({@code attn}): the class token
 * is split off, the grid is projected separately for q, k and v (q by {@code linear} when the
 * method is {@code avg}), the class token is put back in front, then separate q/k/v Linear
 * layers, softmax attention scaled by {@code dim_out ** -0.5} (the whole width, as the
 * official code does), and the output Linear {@code proj}.
 */
public final class ConvAttention {
    private ConvAttention() {
    }

    public record Config(long dimOut, long heads, boolean qkvBias, ConvProjection.Method method, long kernel,
                         long strideQ, long strideKv, long padQ, long padKv) {
    }

    /**
     * The block's output, its attention probabilities {@code [B, heads, nq, nkv]}, the layout
     * of its queries (the input tokens) and of its keys (the projected grid, plus the class
     * token in front where the input has one).
     */
    public record Result(SDVariable out, SDVariable probs, long heads, Tokens queries, Tokens keyGrid) {
    }

    public static Result apply(Scope s, Tokens in, Config cfg) {
        return apply(s, in, cfg, 0, 0);
    }

    /** With dropout on the output projection ({@code drop}) and on the attention probabilities ({@code attnDrop}) in training. */
    public static Result apply(Scope s, Tokens in, Config cfg, double drop, double attnDrop) {
        SameDiff sd = s.sd();
        long c = in.dim();
        SDVariable cls = in.hasCls() ? Ops.tokenRange(in.x(), 0, 1) : null;
        SDVariable patches = in.hasCls() ? Ops.tokenRange(in.x(), 1, in.n()) : in.x();
        SDVariable grid = Ops.tokensToGrid(patches, c, in.h(), in.w());
        ConvProjection.Method qMethod = cfg.method() == ConvProjection.Method.AVG ? ConvProjection.Method.LINEAR : cfg.method();
        Tokens q = ConvProjection.apply(s.child("conv_proj_q"), qMethod, grid, c, in.h(), in.w(), cfg.kernel(), cfg.strideQ(), cfg.padQ());
        Tokens k = ConvProjection.apply(s.child("conv_proj_k"), cfg.method(), grid, c, in.h(), in.w(), cfg.kernel(), cfg.strideKv(), cfg.padKv());
        Tokens v = ConvProjection.apply(s.child("conv_proj_v"), cfg.method(), grid, c, in.h(), in.w(), cfg.kernel(), cfg.strideKv(), cfg.padKv());
        long extra = in.hasCls() ? 1 : 0;
        long nq = q.h() * q.w() + extra, nkv = k.h() * k.w() + extra;
        SDVariable qx = in.hasCls() ? sd.concat(1, cls, q.x()) : q.x();
        SDVariable kx = in.hasCls() ? sd.concat(1, cls, k.x()) : k.x();
        SDVariable vx = in.hasCls() ? sd.concat(1, cls, v.x()) : v.x();

        long heads = cfg.heads(), d = cfg.dimOut(), hd = d / heads;
        // the scale is applied to q (nq x d values) rather than to the scores (nq x nkv per head)
        SDVariable qh = splitHeads(sd, Ops.linear(s, "proj_q", qx, nq, c, d, cfg.qkvBias()).mul(Math.pow(d, -0.5)), nq, heads, hd);
        SDVariable kh = splitHeads(sd, Ops.linear(s, "proj_k", kx, nkv, c, d, cfg.qkvBias()), nkv, heads, hd);
        SDVariable vh = splitHeads(sd, Ops.linear(s, "proj_v", vx, nkv, c, d, cfg.qkvBias()), nkv, heads, hd);
        SDVariable probs = sd.nn().softmax(sd.mmul(qh, kh, false, true, false), 3);
        SDVariable attended = sd.mmul(s.dropout(probs, attnDrop, heads, nq, nkv), vh);
        SDVariable merged = sd.reshape(sd.permute(attended, 0, 2, 1, 3), -1, nq, d);
        return new Result(s.dropout(Ops.linear(s, "proj", merged, nq, d, d, true), drop, nq, d), probs, heads, in, k);
    }

    /** {@code [B, n, heads*hd]} to {@code [B, heads, n, hd]}. */
    static SDVariable splitHeads(SameDiff sd, SDVariable x, long n, long heads, long hd) {
        return sd.permute(sd.reshape(x, -1, n, heads, hd), 0, 2, 1, 3);
    }
}
