package org.cvtzoo.core.graph;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;

/**
 * Where a block builds its part of a graph: the SameDiff instance, the model's parameters, the
 * official name prefix ({@code stage2.blocks.0.attn.}), so that a block asks for
 * {@code "proj_q.weight"} and gets the variable named {@code stage2.blocks.0.attn.proj_q.weight},
 * and whether the graph is for training (BatchNorm on batch statistics) or inference.
 */
public final class Scope {
    /**
     * A BatchNorm's batch statistics in a training graph, for moving its running statistics
     * after the step: {@code mean} and biased {@code variance} per channel, over
     * {@code batch * spatial} values.
     */
    public record BatchStats(String module, SDVariable mean, SDVariable variance, long spatial) {
    }

    private final SameDiff sd;
    private final ParamStore params;
    private final String prefix;
    private final boolean training;
    private final List<BatchStats> batchStats;

    /** An inference graph's root scope. */
    public Scope(SameDiff sd, ParamStore params) {
        this(sd, params, "", false, new ArrayList<>());
    }

    /** A root scope for an inference or a training graph. */
    public static Scope root(SameDiff sd, ParamStore params, boolean training) {
        return new Scope(sd, params, "", training, new ArrayList<>());
    }

    private Scope(SameDiff sd, ParamStore params, String prefix, boolean training, List<BatchStats> batchStats) {
        this.sd = sd;
        this.params = params;
        this.prefix = prefix;
        this.training = training;
        this.batchStats = batchStats;
    }

    public SameDiff sd() {
        return sd;
    }

    public boolean training() {
        return training;
    }

    /** Records a BatchNorm's batch statistics (training graphs). */
    public void recordBatchStats(SDVariable mean, SDVariable variance, long spatial) {
        batchStats.add(new BatchStats(prefix.isEmpty() ? "" : prefix.substring(0, prefix.length() - 1), mean, variance, spatial));
    }

    /** Every BatchNorm's batch statistics recorded in this graph. */
    public List<BatchStats> batchStats() {
        return Collections.unmodifiableList(batchStats);
    }

    /** The scope of a sub-module: {@code child("blocks.3")}. */
    public Scope child(String name) {
        return new Scope(sd, params, prefix + name + ".", training, batchStats);
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
