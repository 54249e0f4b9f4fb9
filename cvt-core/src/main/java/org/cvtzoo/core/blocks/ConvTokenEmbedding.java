package org.cvtzoo.core.blocks;

import org.cvtzoo.core.graph.Ops;
import org.cvtzoo.core.graph.ParamStore;
import org.cvtzoo.core.graph.Scope;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * CvT's convolutional token embedding ({@code patch_embed}): a strided Conv2d with bias
 * ({@code proj}) and a LayerNorm over the channels of each token ({@code norm}).
 */
public final class ConvTokenEmbedding {
    private ConvTokenEmbedding() {
    }

    public static Tokens apply(Scope s, SDVariable grid, long inChannels, long h, long w, long dim,
                               long kernel, long stride, long pad, double eps) {
        SDVariable weight = s.param("proj.weight", ParamStore.Layout.CONV,
                Scope.truncNormal(Math.sqrt(1.0 / (inChannels * kernel * kernel))), dim, inChannels, kernel, kernel);
        SDVariable bias = s.param("proj.bias", ParamStore.Layout.AS_IS, Scope.zeros(), dim);
        SDVariable y = s.sd().cnn().conv2d(grid, weight, bias, Ops.convConfig(kernel, stride, pad));
        long oh = Ops.convOut(h, kernel, stride, pad), ow = Ops.convOut(w, kernel, stride, pad);
        if (oh < 1 || ow < 1) {
            throw new IllegalArgumentException("input " + h + "x" + w + " is too small for a " + kernel
                    + "x" + kernel + " stride-" + stride + " patch embedding (" + s.name("proj") + ")");
        }
        SDVariable tokens = Ops.layerNorm(s, "norm", Ops.gridToTokens(y, dim, oh, ow), dim, eps);
        return new Tokens(tokens, dim, oh, ow, false);
    }
}
