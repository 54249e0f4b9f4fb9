package org.cvtzoo.zoo;

import org.cvtzoo.core.exec.Execution;
import org.cvtzoo.core.exec.ExecutionPlan;
import org.cvtzoo.core.graph.ParamStore;
import org.cvtzoo.core.graph.Scope;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A model's training graph for one input size, built from the same block code as its inference
 * graphs and on the same parameter arrays (an optimiser step on them is seen by both):
 * BatchNorm normalises with batch statistics, and the loss is the mean cross-entropy against a
 * target distribution per image (one-hot, or label-smoothed).
 */
public final class TrainingGraph {
    private static final String INPUT = "input";
    private static final String TARGET = "target";
    private static final String GRAD_FN = "grad"; // SameDiff.GRAD_FN_KEY (not public in M2.1)

    private final VisionModel model;
    private final SameDiff sd;
    private final String loss;
    private final String logits;
    private final List<Scope.BatchStats> batchStats;
    private final List<Scope.Mask> masks;
    private final java.util.Random rng;
    /**
     * The plan of the last step's shapes and outputs: the first plan built, or the one other plan
     * kept beside it (a trainer's steps are alike but for each epoch's last batch, whose plan
     * uses the first one's memory).
     */
    private ExecutionPlan plan, mainPlan, otherPlan;
    private String mainKey, otherKey;

    /**
     * What one forward and backward pass gave. On execution plans (the default) its arrays are
     * the plan's own, valid until this graph's next step: copy what must outlive it.
     */
    public record Step(double loss, INDArray logits, Map<String, INDArray> gradients, Map<String, INDArray[]> batchStats,
                       long batch) {
    }

    public TrainingGraph(VisionModel model, long h, long w) {
        this(model, h, w, new java.util.Random(0));
    }

    /** @param rng draws the drop-path and dropout masks of each step */
    public TrainingGraph(VisionModel model, long h, long w, java.util.Random rng) {
        this.model = model;
        this.rng = rng;
        Architecture arch = model.architecture();
        arch.checkInputSize(h, w);
        sd = SameDiff.create();
        SDVariable input = sd.placeHolder(INPUT, DataType.FLOAT, -1, 3, h, w);
        SDVariable target = sd.placeHolder(TARGET, DataType.FLOAT, -1, arch.numClasses());
        Scope root = Scope.root(sd, model.parameters(), true);
        Architecture.Outputs o = arch.build(root, input, h, w);
        // log-softmax composed: M2.1's logSoftmax op cannot build its backward pass ("Error setting property")
        SDVariable z = o.logits().sub(o.logits().max(true, 1));
        SDVariable logProbs = z.sub(sd.math().log(sd.math().exp(z).sum(true, 1)));
        SDVariable l = target.mul(logProbs).sum(1).mean(0).neg();
        sd.setLossVariables(l);
        loss = l.name();
        logits = o.logits().name();
        batchStats = root.batchStats();
        masks = root.masks();
        SameDiffQuiet.run(sd::createGradFunction); // M2.1 prints a line per op otherwise
    }

    /** SameDiff listeners on this graph (e.g. op timing for bin/cvt bench --train --profile). */
    public void setListeners(org.nd4j.autodiff.listeners.Listener... listeners) {
        sd.getFunction(GRAD_FN).setListeners(listeners);
    }

    /** Trainable parameter names (official), as the ParamStore lists them. */
    public List<String> trainableNames() {
        List<String> names = new ArrayList<>();
        for (ParamStore.Entry e : model.parameters().entries().values()) {
            if (e.trainable() && sd.hasVariable(e.name())) names.add(e.name());
        }
        return names;
    }

    /**
     * Forward and backward on a batch: the loss, the logits, the gradients of {@code params}
     * (graph layout, the same layout as the parameter arrays) and each BatchNorm's batch mean and
     * biased variance.
     */
    public Step step(INDArray images, INDArray target, Collection<String> params) {
        List<String> outputs = new ArrayList<>(List.of(loss, logits));
        for (Scope.BatchStats b : batchStats) {
            outputs.add(b.mean().name());
            outputs.add(b.variance().name());
        }
        Map<String, INDArray> feed = new java.util.HashMap<>(Map.of(INPUT, images, TARGET, target));
        List<INDArray> drawn = new ArrayList<>();
        for (Scope.Mask m : masks) {
            drawn.add(drawMask(m, images.size(0)));
            feed.put(m.placeholder(), drawn.get(drawn.size() - 1));
        }
        List<String> wanted = new ArrayList<>(outputs);
        Map<String, String> gradientNames = new LinkedHashMap<>();
        for (String p : params) {
            SDVariable g = sd.getVariable(p).getGradient(); // null where p does not reach the loss
            if (g != null) gradientNames.put(p, g.name());
        }
        wanted.addAll(gradientNames.values());
        Map<String, INDArray> out = run(feed, wanted);
        if (Execution.configured() == Execution.PLAN) drawn.forEach(INDArray::close); // the plan copied them in
        Map<String, INDArray> gradients = new LinkedHashMap<>();
        gradientNames.forEach((p, g) -> gradients.put(p, out.get(g)));
        Map<String, INDArray[]> stats = new LinkedHashMap<>();
        for (Scope.BatchStats b : batchStats) {
            stats.put(b.module(), new INDArray[]{out.get(b.mean().name()), out.get(b.variance().name())});
        }
        return new Step(out.get(loss).getDouble(0), out.get(logits), gradients, stats, images.size(0));
    }

    /**
     * Runs the gradient function (forward and backward) on an execution plan for these input
     * shapes and outputs, returning the plan's own arrays (see {@link Step}): a step allocates
     * nothing, so nothing waits for the garbage collector. Or with SameDiff's own {@code output()} under
     * {@code -Dcvt.exec=samediff}. (Not calculateGradientsAndOutputs: it switches the array cache
     * off, so every array of a step lives until the garbage collector runs: cvt-13 at 224, batch
     * 16 peaked at 20.1 GB that way.)
     */
    private Map<String, INDArray> run(Map<String, INDArray> feed, List<String> wanted) {
        SameDiff grad = sd.getFunction(GRAD_FN);
        if (Execution.configured() == Execution.SAMEDIFF) {
            // output()'s arrays are fresh every step and wait for the collector, which seldom runs
            // (little Java garbage): collect the last step's now, as the plans need not
            System.gc();
            return grad.output(feed, wanted.toArray(new String[0]));
        }
        Map<String, long[]> shapes = new TreeMap<>();
        feed.forEach((name, array) -> shapes.put(name, array.shape()));
        String key = wanted + " " + shapes.entrySet().stream().map(e -> e.getKey() + Arrays.toString(e.getValue())).toList();
        if (mainPlan == null) {
            mainPlan = ExecutionPlan.build(grad, shapes, wanted);
            mainKey = key;
        }
        if (key.equals(mainKey)) {
            plan = mainPlan;
        } else {
            if (!key.equals(otherKey)) {
                // another shape (the last, smaller batch of an epoch): a second plan over the first one's memory,
                // kept, so that neither is built again each epoch (measured: 0.5 s an epoch on the demo)
                if (otherPlan != null) otherPlan.close(); // one step at a time: nothing else runs on them
                otherPlan = ExecutionPlan.buildOver(mainPlan, grad, shapes, wanted);
                otherKey = key;
            }
            plan = otherPlan;
        }
        return plan.runShared(feed);
    }

    /** Off-heap bytes the last step's execution plan holds for its intermediates (activations, gradients); 0 before a step, or without plans. */
    public long planIntermediateBytes() {
        if (plan == null) return 0;
        return plan == mainPlan ? plan.intermediateBytes() : mainPlan.intermediateBytes() + plan.intermediateBytes(); // over its memory
    }

    /** The rewrites that the last step's execution plan ran ({@link ExecutionPlan#rewrites()}); empty before a step, or without plans. */
    public Map<String, Integer> planRewrites() {
        return plan == null ? Map.of() : plan.rewrites();
    }

    /** 0 with probability rate, else 1 / (1 - rate), over {@code [batch, shape...]}. */
    private INDArray drawMask(Scope.Mask m, long batch) {
        long[] shape = new long[m.shape().length + 1];
        shape[0] = batch;
        System.arraycopy(m.shape(), 0, shape, 1, m.shape().length);
        float keep = (float) (1 / (1 - m.rate()));
        float[] values = new float[(int) Arrays.stream(shape).reduce(1, Math::multiplyExact)];
        for (int i = 0; i < values.length; i++) values[i] = rng.nextDouble() < m.rate() ? 0f : keep;
        return org.cvtzoo.core.image.Images.floats(values, shape);
    }

    /** Restarts the mask stream (a trainer reseeds per epoch, so that a resumed run draws the same masks). */
    public void reseed(long seed) {
        rng.setSeed(seed);
    }

    /** The random masks this graph draws at each step (drop-path and dropout of the spec). */
    public List<Scope.Mask> masks() {
        return masks;
    }

    /**
     * Moves the running statistics as PyTorch's BatchNorm does in training:
     * {@code running = (1 - momentum) running + momentum batch}, with the unbiased batch variance.
     */
    public void updateRunningStats(Step step, double momentum) {
        Map<String, ParamStore.Entry> entries = model.parameters().entries();
        for (Scope.BatchStats b : batchStats) {
            INDArray[] s = step.batchStats().get(b.module());
            double n = (double) step.batch() * b.spatial();
            INDArray unbiased = s[1].mul(n / Math.max(1, n - 1));
            INDArray mean = entries.get(b.module() + ".running_mean").value();
            INDArray var = entries.get(b.module() + ".running_var").value();
            mean.muli(1 - momentum).addi(s[0].mul(momentum));
            var.muli(1 - momentum).addi(unbiased.muli(momentum));
        }
    }
}
