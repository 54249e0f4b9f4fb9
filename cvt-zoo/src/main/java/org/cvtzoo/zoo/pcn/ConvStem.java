package org.cvtzoo.zoo.pcn;

import org.cvtzoo.core.graph.Ops;
import org.cvtzoo.core.graph.ParamStore;
import org.cvtzoo.core.graph.Scope;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * PatchConvNet's convolutional stem ({@code patch_embed}, deit's {@code ConvStem}): four 3x3
 * stride-2 convolutions without bias, {@code 3 -> dim/8 -> dim/4 -> dim/2 -> dim}, exact GELU
 * between them and none after the last. Each conv sits in a one-module Sequential, hence the
 * names {@code proj.0.0.weight}, {@code proj.2.0.weight}, {@code proj.4.0.weight},
 * {@code proj.6.0.weight} (the GELUs are {@code proj.1}, {@code proj.3}, {@code proj.5}).
 * Each conv halves a side rounding up, so an input of side s gives a grid of side ceil(s/16).
 */
public final class ConvStem {
    public static final int CONVS = 4;
    public static final long KERNEL = 3, STRIDE = 2, PAD = 1;

    private ConvStem() {
    }

    /** Side of the token grid for an input side. */
    public static long gridSide(long side) {
        long s = side;
        for (int i = 0; i < CONVS; i++) s = Ops.convOut(s, KERNEL, STRIDE, PAD);
        return s;
    }

    /**
     * NCHW image {@code [B, inChannels, h, w]} to the NHWC grid {@code [B, gridSide(h), gridSide(w), dim]}
     * (read as tokens {@code [B, N, dim]} by a reshape: deit's {@code flatten(2).transpose(1, 2)}).
     * The convolutions run on NHWC (see {@link Ops#nhwcConvConfig}): the image is transposed
     * once, before the first.
     */
    public static SDVariable apply(Scope s, SDVariable image, long inChannels, long dim) {
        long[] widths = {dim / 8, dim / 4, dim / 2, dim};
        SDVariable x = s.sd().permute(image, 0, 2, 3, 1);
        long c = inChannels;
        for (int i = 0; i < CONVS; i++) {
            if (i > 0) x = Ops.exactGelu(x);
            long out = widths[i];
            SDVariable weight = s.param("proj." + (2 * i) + ".0.weight", ParamStore.Layout.CONV,
                    Scope.truncNormal(Math.sqrt(1.0 / (c * KERNEL * KERNEL))), out, c, KERNEL, KERNEL);
            x = s.sd().cnn().conv2d(x, weight, Ops.nhwcConvConfig(KERNEL, STRIDE, PAD));
            c = out;
        }
        return x;
    }
}
