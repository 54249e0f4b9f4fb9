package org.cvtzoo.core.graph;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.function.Consumer;

/**
 * Where a block builds its part of a graph: the SameDiff instance, the model's parameters and
 * the official name prefix ({@code stage2.blocks.0.attn.}), so that a block asks for
 * {@code "proj_q.weight"} and gets the variable named {@code stage2.blocks.0.attn.proj_q.weight}.
 */
public final class Scope {
    private final SameDiff sd;
    private final ParamStore params;
    private final String prefix;

    public Scope(SameDiff sd, ParamStore params) {
        this(sd, params, "");
    }

    private Scope(SameDiff sd, ParamStore params, String prefix) {
        this.sd = sd;
        this.params = params;
        this.prefix = prefix;
    }

    public SameDiff sd() {
        return sd;
    }

    /** The scope of a sub-module: {@code child("blocks.3")}. */
    public Scope child(String name) {
        return new Scope(sd, params, prefix + name + ".");
    }

    public String name(String local) {
        return prefix + local;
    }

    /** A trainable parameter, created with {@code init} the first time any graph asks for it. */
    public SDVariable param(String local, ParamStore.Layout layout, Consumer<INDArray> init, long... torchShape) {
        String name = name(local);
        SDVariable existing = sd.getVariable(name);
        if (existing != null) return existing;
        return sd.var(name, params.getOrCreate(name, torchShape, layout, true, init));
    }

    /** A buffer (not trained by gradient): BatchNorm running statistics. */
    public SDVariable buffer(String local, Consumer<INDArray> init, long... torchShape) {
        String name = name(local);
        SDVariable existing = sd.getVariable(name);
        if (existing != null) return existing;
        return sd.constant(name, params.getOrCreate(name, torchShape, ParamStore.Layout.AS_IS, false, init));
    }

    // Initialisers, applied to the array in PyTorch layout.
    public static Consumer<INDArray> zeros() {
        return a -> a.assign(0);
    }

    public static Consumer<INDArray> ones() {
        return a -> a.assign(1);
    }

    /** Truncated normal (at two standard deviations), as timm's and CvT's trunc_normal_(std). */
    public static Consumer<INDArray> truncNormal(double std) {
        return a -> {
            INDArray r = Nd4j.randn(a.dataType(), a.shape());
            a.assign(Nd4j.getExecutioner().exec(
                    new org.nd4j.linalg.api.ops.impl.transforms.clip.ClipByValue(r, -2.0, 2.0))[0].mul(std));
        };
    }
}
