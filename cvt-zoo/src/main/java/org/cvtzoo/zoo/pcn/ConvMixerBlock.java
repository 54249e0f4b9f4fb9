package org.cvtzoo.zoo.pcn;

import org.cvtzoo.core.blocks.Pointwise;
import org.cvtzoo.core.blocks.SqueezeExcite;
import org.cvtzoo.core.graph.Ops;
import org.cvtzoo.core.graph.ParamStore;
import org.cvtzoo.core.graph.Scope;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * One block of PatchConvNet's trunk ({@code blocks.i}, deit's {@code Layer_scale_init_Block}
 * with {@code Conv_blocks_se}): {@code x + gamma_1 * attn(norm1(x))} where {@code attn} is
 * {@code qkv_pos}: 1x1 conv ({@code .0}), GELU, depthwise 3x3 conv ({@code .2}), GELU,
 * squeeze-excitation ({@code .4}), 1x1 conv ({@code .5}). Exact GELU. Drop path on the branch in
 * training graphs only.
 *
 * <p>deit keeps tokens {@code [B, N, C]} and folds them into an NCHW grid inside the block; here
 * the trunk keeps the NHWC grid {@code [B, h, w, C]} (the same numbers in the same order as the
 * tokens), so the LayerNorm is over axis 3 and no block needs a reshape or transpose: at batch 1
 * SameDiff's cost is mostly per op, and that halves the ops of a block.
 */
public final class ConvMixerBlock {
    private ConvMixerBlock() {
    }

    /** NHWC grid {@code [B, h, w, c]} in and out. */
    public static SDVariable apply(Scope s, SDVariable nhwc, long c, double initScale, double eps, double dropPath) {
        SDVariable gain = s.param("norm1.weight", ParamStore.Layout.AS_IS, Scope.ones(), c);
        SDVariable bias = s.param("norm1.bias", ParamStore.Layout.AS_IS, Scope.zeros(), c);
        SDVariable y = Ops.layerNorm(nhwc, gain, bias, eps, 3, s.differentiable());
        Scope mix = s.child("attn").child("qkv_pos");
        y = Ops.exactGelu(Pointwise.apply(mix, "0", y, c, c));
        y = Ops.exactGelu(Pointwise.depthwise3x3(mix, "2", y, c));
        y = SqueezeExcite.apply(mix.child("4"), y, c);
        y = Pointwise.apply(mix, "5", y, c, c);
        SDVariable gamma = s.param("gamma_1", ParamStore.Layout.AS_IS, a -> a.assign(initScale), c);
        return nhwc.add(s.dropPath(y.mul(gamma), dropPath, 4));
    }
}
