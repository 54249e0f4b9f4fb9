package org.cvtzoo.core.blocks;

import org.cvtzoo.core.graph.ParamStore;
import org.cvtzoo.core.graph.Scope;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * A 1x1 nn.Conv2d applied to tokens {@code [B, n, in]} (an NHWC grid read as tokens): a
 * matrix product over the channels. The parameter keeps PyTorch's name and shape
 * {@code [out, in, 1, 1]} (stored, like every conv, as {@code [1, 1, in, out]}), so checkpoints
 * load as they are.
 */
public final class Pointwise {
    private Pointwise() {
    }

    public static SDVariable apply(Scope s, String module, SDVariable tokens, long n, long in, long out) {
        SameDiff sd = s.sd();
        SDVariable w = s.param(module + ".weight", ParamStore.Layout.CONV,
                Scope.truncNormal(Math.sqrt(1.0 / in)), out, in, 1, 1);
        SDVariable b = s.param(module + ".bias", ParamStore.Layout.AS_IS, Scope.zeros(), out);
        SDVariable rows = sd.mmul(sd.reshape(tokens, -1, in), sd.reshape(w, in, out)).add(b);
        return sd.reshape(rows, -1, n, out);
    }
}
