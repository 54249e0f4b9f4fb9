package org.cvtzoo.zoo.cvt;

import org.cvtzoo.core.blocks.Tokens;
import org.cvtzoo.core.graph.Ops;
import org.cvtzoo.core.graph.ParamStore;
import org.cvtzoo.core.graph.Scope;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * CvT's convolutional token embedding ({@code patch_embed}): a strided Conv2d with bias
 * ({@code proj}) and a LayerNorm over the channels of each token ({@code norm}), on an NHWC grid.
 */
final class ConvTokenEmbedding {
    private ConvTokenEmbedding() {
    }

    /** The NHWC grid {@code [B, h, w, inChannels]} to tokens. */
    static Tokens apply(Scope s, SDVariable grid, long inChannels, long h, long w, CvtSpec.Stage stage, double eps) {
        long dim = stage.dimEmbed(), kernel = stage.patchSize(), stride = stage.patchStride(), pad = stage.patchPadding();
        SDVariable weight = s.param("proj.weight", ParamStore.Layout.CONV,
                Scope.truncNormal(Math.sqrt(1.0 / (inChannels * kernel * kernel))), dim, inChannels, kernel, kernel);
        SDVariable bias = s.param("proj.bias", ParamStore.Layout.AS_IS, Scope.zeros(), dim);
        SDVariable y = s.sd().cnn().conv2d(grid, weight, bias, Ops.nhwcConvConfig(kernel, stride, pad));
        long oh = Ops.convOut(h, kernel, stride, pad), ow = Ops.convOut(w, kernel, stride, pad);
        return new Tokens(Ops.layerNorm(s, "norm", Ops.rows(y, dim), dim, eps), dim, oh, ow, false);
    }
}
