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

    /**
     * A random mask a training graph takes as a placeholder, drawn by the trainer at each step:
     * each element is 0 with probability {@code rate}, else {@code 1 / (1 - rate)}, over a tensor
     * of shape {@code [batch, shape...]} (drop-path: one value per sample; dropout: per element).
     */
    public record Mask(String placeholder, double rate, long[] shape) {
    }

    private final SameDiff sd;
    private final ParamStore params;
    private final String prefix;
    private final boolean training;
    /** An inference graph that will be differentiated (explanations): ops in their verified-gradient form. */
    private final boolean gradients;
    private final List<BatchStats> batchStats;
    private final List<Mask> masks;

    /** An inference graph's root scope. */
    public Scope(SameDiff sd, ParamStore params) {
        this(sd, params, "", false, false, new ArrayList<>(), new ArrayList<>());
    }

    /** A root scope for an inference or a training graph. */
    public static Scope root(SameDiff sd, ParamStore params, boolean training) {
        return new Scope(sd, params, "", training, false, new ArrayList<>(), new ArrayList<>());
    }

    /**
     * A root scope for an inference graph (BatchNorm on running statistics, no dropout) that will
     * be differentiated, e.g. for gradients with respect to activations (explanation maps): every
     * op in the form whose gradient the training graphs verify.
     */
    public static Scope forGradients(SameDiff sd, ParamStore params) {
        return new Scope(sd, params, "", false, true, new ArrayList<>(), new ArrayList<>());
    }

    private Scope(SameDiff sd, ParamStore params, String prefix, boolean training, boolean gradients,
                  List<BatchStats> batchStats, List<Mask> masks) {
        this.sd = sd;
        this.params = params;
        this.prefix = prefix;
        this.training = training;
        this.gradients = gradients;
        this.batchStats = batchStats;
        this.masks = masks;
    }

    public SameDiff sd() {
        return sd;
    }

    public boolean training() {
        return training;
    }

    /** Whether the graph will be differentiated: a training graph, or {@link #forGradients}. */
    public boolean differentiable() {
        return training || gradients;
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
        return new Scope(sd, params, prefix + name + ".", training, gradients, batchStats, masks);
    }

    /**
     * Stochastic depth on a residual branch {@code [B, ...]} of rank {@code rank}: in a training
     * graph with a positive rate, the whole branch of a sample is dropped with that probability
     * and kept ones are scaled by 1 / (1 - rate) (timm's drop_path); otherwise the branch itself.
     */
    public SDVariable dropPath(SDVariable branch, double rate, int rank) {
        if (!training || rate <= 0) return branch;
        long[] shape = new long[rank - 1];
        java.util.Arrays.fill(shape, 1);
        return branch.mul(mask("drop_path", rate, shape));
    }

    /** {@link #dropPath} on rows {@code [B*n, c]} of tokens: the branch of each image is dropped whole. */
    public SDVariable dropPathRows(SDVariable rows, double rate, long n, long c) {
        if (!training || rate <= 0) return rows;
        return Ops.rows(dropPath(Ops.tokens(rows, n, c), rate, 3), c);
    }

    /** Block {@code block}'s drop-path rate of {@code depth} blocks, as {@code torch.linspace(0, rate, depth)[block]}. */
    public static double linearDropPath(double rate, int block, int depth) {
        return depth > 1 ? rate * block / (depth - 1) : 0;
    }

    /** Dropout on {@code [B, shape...]}: in a training graph with a positive rate; otherwise x itself. */
    public SDVariable dropout(SDVariable x, double rate, long... shapeWithoutBatch) {
        if (!training || rate <= 0) return x;
        return x.mul(mask("dropout", rate, shapeWithoutBatch));
    }

    /** {@link #dropout} on rows {@code [B*n, c]} of tokens, a mask element per value of {@code [B, n, c]}. */
    public SDVariable dropoutRows(SDVariable rows, double rate, long n, long c) {
        if (!training || rate <= 0) return rows;
        return Ops.rows(dropout(Ops.tokens(rows, n, c), rate, n, c), c);
    }

    private SDVariable mask(String kind, double rate, long[] shape) {
        if (rate >= 1) throw new IllegalArgumentException(kind + " rate must be below 1, got " + rate);
        String name = "mask/" + prefix + kind + "." + masks.size();
        long[] full = new long[shape.length + 1];
        full[0] = -1;
        System.arraycopy(shape, 0, full, 1, shape.length);
        masks.add(new Mask(name, rate, shape.clone()));
        return sd.placeHolder(name, org.nd4j.linalg.api.buffer.DataType.FLOAT, full);
    }

    /** The random masks of this graph, for the trainer to draw. */
    public List<Mask> masks() {
        return Collections.unmodifiableList(masks);
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

    /**
     * Normal with mean 0 and standard deviation {@code std}, values outside the absolute interval
     * [-2, 2] drawn again: timm's and CvT's {@code trunc_normal_(std=std)}, whose bounds a=-2, b=2
     * are absolute, not in standard deviations (for the zoo's std of 0.02 to 0.5 it is a plain
     * normal in effect).
     */
    public static Consumer<INDArray> truncNormal(double std) {
        return a -> {
            INDArray r = Nd4j.randn(a.dataType(), a.shape()).muli(std);
            while (true) {
                INDArray outside = org.nd4j.linalg.ops.transforms.Transforms.abs(r, true).gt(2.0).castTo(a.dataType());
                if (outside.sumNumber().doubleValue() == 0) break;
                INDArray fresh = Nd4j.randn(a.dataType(), a.shape()).muli(std);
                r = r.mul(outside.rsub(1)).addi(fresh.muli(outside));
            }
            a.assign(r);
        };
    }
}
