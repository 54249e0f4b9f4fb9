package org.cvtzoo.core.blocks;

import org.cvtzoo.core.graph.Scope;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * Squeeze-excitation as deit's PatchConvNet uses it (timm's SqueezeExcite, rd_ratio 0.25):
 * the mean over the grid, 1x1 {@code conv_reduce} to {@code round(dim / 4)} channels, ReLU,
 * 1x1 {@code conv_expand} back, and a sigmoid gate on every token's channels.
 */
public final class SqueezeExcite {
    private SqueezeExcite() {
    }

    /** Reduced width: Python's round (half to even) of {@code dim * 0.25}. */
    public static long reducedChannels(long dim) {
        return (long) Math.rint(dim * 0.25);
    }

    /** Tokens {@code [B, n, dim]} (the whole grid, no class token) gated per channel. */
    public static SDVariable apply(Scope s, SDVariable tokens, long n, long dim) {
        long rd = reducedChannels(dim);
        SDVariable pooled = tokens.mean(true, 1); // [B, 1, dim]; a non-negative axis (see Ops.layerNorm)
        SDVariable r = s.sd().nn().relu(Pointwise.apply(s, "conv_reduce", pooled, 1, dim, rd), 0.0);
        SDVariable gate = s.sd().nn().sigmoid(Pointwise.apply(s, "conv_expand", r, 1, rd, dim));
        return tokens.mul(gate);
    }
}
