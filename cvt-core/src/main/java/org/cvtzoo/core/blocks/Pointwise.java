package org.cvtzoo.core.blocks;

import org.cvtzoo.core.graph.Ops;
import org.cvtzoo.core.graph.ParamStore;
import org.cvtzoo.core.graph.Scope;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * Convolutions on NHWC grids {@code [B, h, w, C]}, for PatchConvNet's trunk: in NHWC a channel
 * mixing needs no transposes and a 1x1 conv with its bias is one op. Parameters keep PyTorch's
 * names and shapes ({@code [out, in, 1, 1]}, {@code [C, 1, 3, 3]}), stored as every conv is
 * ({@link ParamStore.Layout#CONV}, {@link ParamStore.Layout#DEPTHWISE}).
 */
public final class Pointwise {
    private Pointwise() {
    }

    /** nn.Conv2d(in, out, 1) with bias ({@code module.weight}, {@code module.bias}) on an NHWC grid. */
    public static SDVariable apply(Scope s, String module, SDVariable nhwc, long in, long out) {
        SDVariable w = s.param(module + ".weight", ParamStore.Layout.CONV,
                Scope.truncNormal(Math.sqrt(1.0 / in)), out, in, 1, 1);
        SDVariable b = s.param(module + ".bias", ParamStore.Layout.AS_IS, Scope.zeros(), out);
        return s.sd().cnn().conv2d(nhwc, w, b, Ops.nhwcConvConfig(1, 1, 0));
    }

    /** Depthwise nn.Conv2d(c, c, 3, 1, 1, groups=c) with bias on an NHWC grid. */
    public static SDVariable depthwise3x3(Scope s, String module, SDVariable nhwc, long c) {
        SDVariable w = s.param(module + ".weight", ParamStore.Layout.DEPTHWISE,
                Scope.truncNormal(Math.sqrt(1.0 / 9)), c, 1, 3, 3);
        SDVariable b = s.param(module + ".bias", ParamStore.Layout.AS_IS, Scope.zeros(), c);
        return s.sd().cnn().depthWiseConv2d(nhwc, w, b, Ops.nhwcConvConfig(3, 1, 1));
    }
}
