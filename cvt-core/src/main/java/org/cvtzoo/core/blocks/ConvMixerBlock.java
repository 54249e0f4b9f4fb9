package org.cvtzoo.core.blocks;

import org.cvtzoo.core.graph.Ops;
import org.cvtzoo.core.graph.ParamStore;
import org.cvtzoo.core.graph.Scope;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;

/**
 * One block of PatchConvNet's trunk ({@code blocks.i}, deit's {@code Layer_scale_init_Block}
 * with {@code Conv_blocks_se}): {@code x + gamma_1 * attn(norm1(x))} where {@code attn} is
 * {@code qkv_pos}: 1x1 conv ({@code .0}), GELU, depthwise 3x3 conv ({@code .2}), GELU,
 * squeeze-excitation ({@code .4}), 1x1 conv ({@code .5}). Exact GELU.
 *
 * <p>The tokens {@code [B, h*w, C]} are the grid in NHWC order, so the block needs no
 * transposes: 1x1 convs are matrix products over channels and the depthwise conv runs on the
 * NHWC view.
 */
public final class ConvMixerBlock {
    private ConvMixerBlock() {
    }

    public static Tokens apply(Scope s, Tokens in, double initScale, double eps) {
        SameDiff sd = s.sd();
        long c = in.dim(), h = in.h(), w = in.w(), n = h * w;
        if (in.hasCls()) throw new IllegalArgumentException("PatchConvNet's trunk blocks take patch tokens only");
        SDVariable y = Ops.layerNorm(s, "norm1", in.x(), c, eps);
        Scope mix = s.child("attn").child("qkv_pos");
        y = Ops.exactGelu(Pointwise.apply(mix, "0", y, n, c, c));
        y = Ops.exactGelu(depthwise3x3(mix, "2", y, c, h, w));
        y = SqueezeExcite.apply(mix.child("4"), y, n, c);
        y = Pointwise.apply(mix, "5", y, n, c, c);
        SDVariable gamma = s.param("gamma_1", ParamStore.Layout.AS_IS, a -> a.assign(initScale), c);
        return in.with(in.x().add(y.mul(gamma)));
    }

    /** Depthwise 3x3 conv, stride 1, padding 1, with bias, on tokens read as an NHWC grid. */
    static SDVariable depthwise3x3(Scope s, String module, SDVariable tokens, long c, long h, long w) {
        SameDiff sd = s.sd();
        SDVariable weight = s.param(module + ".weight", ParamStore.Layout.DEPTHWISE,
                Scope.truncNormal(Math.sqrt(1.0 / 9)), c, 1, 3, 3);
        SDVariable bias = s.param(module + ".bias", ParamStore.Layout.AS_IS, Scope.zeros(), c);
        Conv2DConfig cfg = Conv2DConfig.builder().kH(3).kW(3).sH(1).sW(1).pH(1).pW(1).dH(1).dW(1)
                .paddingMode(PaddingMode.VALID).dataFormat("NHWC").build();
        SDVariable y = sd.cnn().depthWiseConv2d(sd.reshape(tokens, -1, h, w, c), weight, bias, cfg);
        return sd.reshape(y, -1, h * w, c);
    }
}
