package org.cvtzoo.core.blocks;

import org.cvtzoo.core.graph.Ops;
import org.cvtzoo.core.graph.ParamStore;
import org.cvtzoo.core.graph.Scope;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * A patch embedding ({@code patch_embed}, timm's {@code PatchEmbed} with no norm, as in ViT): a Conv2d
 * {@code proj} with kernel = stride = patch and bias, flattened to tokens (rows {@code [B*h*w, dim]}).
 * The image comes as an NHWC grid {@code [B, h, w, C]} (see {@link Ops#nhwcConvConfig}), its height
 * and width multiples of the patch (checked by the caller).
 */
public final class PatchEmbed {
    private PatchEmbed() {
    }

    public static Tokens apply(Scope s, SDVariable grid, long inChannels, long h, long w, long dim, long patch) {
        if (h % patch != 0 || w % patch != 0 || h < patch || w < patch) {
            throw new IllegalArgumentException("input " + h + "x" + w + " is not a whole number of " + patch + "x"
                    + patch + " patches (" + s.name("proj") + ")");
        }
        SDVariable weight = s.param("proj.weight", ParamStore.Layout.CONV,
                Scope.truncNormal(Math.sqrt(1.0 / (inChannels * patch * patch))), dim, inChannels, patch, patch);
        SDVariable bias = s.param("proj.bias", ParamStore.Layout.AS_IS, Scope.zeros(), dim);
        SDVariable y = s.sd().cnn().conv2d(grid, weight, bias, Ops.nhwcConvConfig(patch, patch, 0));
        long gh = h / patch, gw = w / patch;
        return new Tokens(Ops.rows(y, dim), dim, gh, gw, false);
    }
}
