package org.cvtzoo.core.blocks;

import org.cvtzoo.core.graph.Ops;
import org.cvtzoo.core.graph.Scope;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * Squeeze-excitation as deit's PatchConvNet uses it (timm's SqueezeExcite, rd_ratio 0.25):
 * the mean over the grid, 1x1 {@code conv_reduce} to {@code round(dim / 4)} channels, ReLU,
 * 1x1 {@code conv_expand} back, and a sigmoid gate on every position's channels.
 */
public final class SqueezeExcite {
    private SqueezeExcite() {
    }

    /** Reduced width: Python's round (half to even) of {@code dim * 0.25}. */
    public static long reducedChannels(long dim) {
        return (long) Math.rint(dim * 0.25);
    }

    /** An NHWC grid {@code [B, h, w, dim]} gated per channel. */
    public static SDVariable apply(Scope s, SDVariable nhwc, long dim) {
        long rd = reducedChannels(dim);
        SDVariable pooled = nhwc.mean(true, 1, 2); // [B, 1, 1, dim]; non-negative axes (see Ops.layerNorm)
        SDVariable r = s.sd().nn().relu(Pointwise.apply(s, "conv_reduce", pooled, dim, rd), 0.0);
        SDVariable gate = s.sd().nn().sigmoid(Pointwise.apply(s, "conv_expand", r, rd, dim));
        return nhwc.mul(gate);
    }
}
