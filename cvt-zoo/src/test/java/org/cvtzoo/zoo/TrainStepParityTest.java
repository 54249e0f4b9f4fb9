package org.cvtzoo.zoo;

import org.cvtzoo.core.graph.ParamStore;
import org.cvtzoo.core.graph.Resample;
import org.cvtzoo.core.weights.Checkpoints;
import org.cvtzoo.core.weights.StateDict;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One SGD step (lr 0.1) in training mode against gen.py's train_step fixtures: the loss, every
 * parameter's gradient, and every parameter and BatchNorm running statistic after the step,
 * within compare.py's 1e-4; each gradient also against its own scale (many are far below 1).
 * pcn_multi_tiny is deit's multiclass PatchConvNet with 7 classes (make_explain.py, the same
 * train_step as gen.py's).
 */
class TrainStepParityTest {
    static final double TOLERANCE = 1e-4;
    /** Measured worst: 3.1e-6 (cvt_tiny), 1.9e-6 (vit_tiny), 8.5e-7 (pcn_tiny), 2.2e-5 (pcn_multi_tiny); a small gradient halved: 0.14. */
    static final double OWN_SCALE_TOLERANCE = 1e-3;
    static final double NOISE_FLOOR = 1e-4;

    @ParameterizedTest
    @ValueSource(strings = {"cvt_tiny", "vit_tiny", "pcn_tiny", "pcn_multi_tiny"})
    void oneSgdStepMatchesReference(String fixture) {
        Case c = Case.load(fixture);
        VisionModel m = c.model();
        TrainingGraph g = c.graph();
        TrainingGraph.Step step = g.step(c.input(), c.target(), g.trainableNames());
        assertStepMatchesReference(fixture, m, g, step);

        Map<String, ParamStore.Entry> entries = m.parameters().entries();
        List<String> failures = new ArrayList<>();
        for (String name : g.trainableNames()) entries.get(name).value().subi(step.gradients().get(name).mul(0.1));
        g.updateRunningStats(step, 0.1);
        try (StateDict after = Checkpoints.open(Fixtures.dir(fixture).resolve("train_step/model_after.safetensors"))) {
            for (String name : after.keys()) {
                if (name.endsWith("num_batches_tracked") || isResampledPosEmbed(fixture, name)) continue;
                double err = Fixtures.relativeError(entries.get(name).torchView(), after.get(name));
                if (!(err <= TOLERANCE)) failures.add(name + " " + err);
            }
        }
        assertTrue(failures.isEmpty(), fixture + " parameters after the step off: " + failures);
    }

    /**
     * A gradient whose entries are all below 1e-4, halved or zeroed, must fail the comparison
     * (compare.py's measure alone passes it: its floor of 1 makes the check absolute).
     */
    @ParameterizedTest
    @ValueSource(doubles = {0.5, 0.0})
    void aWrongSmallGradientFails(double factor) {
        Case c = Case.load("cvt_tiny");
        TrainingGraph g = c.graph();
        TrainingGraph.Step step = g.step(c.input(), c.target(), g.trainableNames());
        try (StateDict grads = Checkpoints.open(Fixtures.dir("cvt_tiny").resolve("train_step/grads.safetensors"))) {
            // small (all entries below 1e-4), whatever the noise floor (1e-4 of the largest, about 1.3e-4 here)
            String small = grads.keys().stream().filter(n -> {
                double max = Transforms.abs(grads.get(n)).maxNumber().doubleValue();
                return max > 1e-5 && max < 1e-4;
            }).findFirst().orElseThrow();
            Map<String, INDArray> wrong = new LinkedHashMap<>(step.gradients());
            wrong.put(small, step.gradients().get(small).mul(factor));
            INDArray wrongTorch = c.model().parameters().entries().get(small).layout().toTorch(wrong.get(small));
            assertTrue(Fixtures.relativeError(wrongTorch, grads.get(small)) <= TOLERANCE, "compare.py's measure misses it");
            List<String> failures = gradientFailures("cvt_tiny", c.model(), wrong);
            System.out.println("cvt_tiny " + small + " times " + factor + ": " + failures);
            assertEquals(1, failures.size(), failures.toString());
            assertTrue(failures.get(0).startsWith(small + " "), failures.toString());
        }
    }

    /**
     * The graph reuses released arrays from step to step (SameDiff's array cache): steps on other
     * batches, of the same and of another size, must leave nothing behind in the next one.
     */
    @ParameterizedTest
    @ValueSource(strings = {"cvt_tiny", "vit_tiny", "pcn_tiny"})
    void stepAfterOtherStepsMatchesReference(String fixture) {
        Case c = Case.load(fixture);
        INDArray x = c.input();
        int classes = c.model().architecture().numClasses();
        TrainingGraph g = c.graph();
        Nd4j.getRandom().setSeed(3);
        for (long batch : new long[]{x.size(0), x.size(0) + 1}) {
            INDArray other = Nd4j.randn(DataType.FLOAT, batch, x.size(1), x.size(2), x.size(3));
            int[] labels = new int[(int) batch];
            for (int i = 0; i < batch; i++) labels[i] = (i * 7) % classes;
            g.step(other, oneHot(Nd4j.createFromArray(labels), classes), g.trainableNames());
        }
        assertStepMatchesReference(fixture, c.model(), g, g.step(x, c.target(), g.trainableNames()));
    }

    /**
     * A training step's loss and gradients on the execution plans with oneDNN's primitives (the
     * default), without them ({@code -Dcvt.exec.onednn=false}) and on SameDiff's own
     * {@code output()} ({@code -Dcvt.exec=samediff}) agree: the loss within 1e-6, each gradient
     * within 1e-5 of its own largest value. The products sum in another order in oneDNN's GEMM
     * than in OpenBLAS's (measured: 1e-6 to 5e-6 on cvt_tiny's ordinary gradients), and a
     * gradient that is zero in exact arithmetic (a key's bias: softmax ignores a constant added
     * to a row of scores) holds rounding noise of 1e-14 to 1e-11: each is measured against at
     * least a thousandth of the step's largest gradient.
     */
    @ParameterizedTest
    @ValueSource(strings = {"cvt_tiny", "vit_tiny", "pcn_tiny"})
    void stepOnPlansWithAndWithoutOneDnnEqualsSameDiff(String fixture) {
        assertTrue(org.cvtzoo.core.exec.OneDnn.enabled(), org.cvtzoo.core.exec.OneDnn.status());
        TrainingGraph.Step withOneDnn = stepWith(fixture, Map.of());
        assertTrue(withOneDnn.gradients().size() > 0);
        TrainingGraph.Step without = stepWith(fixture, Map.of(org.cvtzoo.core.exec.OneDnn.SWITCH, "false"));
        TrainingGraph.Step sameDiff = stepWith(fixture, Map.of(org.cvtzoo.core.exec.Execution.PROPERTY, "samediff"));
        double largest = withOneDnn.gradients().values().stream().mapToDouble(g -> g.amaxNumber().doubleValue()).max().orElse(0);
        for (TrainingGraph.Step other : List.of(without, sameDiff)) {
            assertEquals(other.loss(), withOneDnn.loss(), 1e-6 * Math.max(1, Math.abs(other.loss())), "loss");
            List<String> failures = new ArrayList<>();
            other.gradients().forEach((name, want) -> {
                INDArray got = withOneDnn.gradients().get(name);
                double err = errorOfOwnScale(got, want, 1e-3 * largest);
                if (!(err <= 1e-5)) failures.add(name + " " + err + " (largest value " + want.amaxNumber() + ")");
            });
            assertTrue(failures.isEmpty(), fixture + (other == without ? " without oneDNN" : " on SameDiff") + ": " + failures);
        }
    }

    /**
     * Which rewrites a training step's plan runs on CvT-tiny (depths 1, 1, 2, q/k/v as depthwise
     * convolutions with BatchNorm): each LayerNorm (two per block, one per stage's embedding,
     * the final norm) and each BatchNorm as oneDNN's forward_training and backward primitives,
     * each convolution's backward as oneDNN's, the first one without the image's gradient, each
     * linear layer's product and bias as one step.
     */
    @org.junit.jupiter.api.Test
    void trainingRewritesFireOnCvt() {
        Case c = Case.load("cvt_tiny");
        c.graph().step(c.input(), c.target(), c.graph().trainableNames());
        Map<String, Integer> fired = c.graph().planRewrites();
        int blocks = 4, norms = 2 * blocks + 3 + 1;
        assertEquals(norms, fired.get("layer_norm (onednn)"), fired.toString());
        assertEquals(norms, fired.get("layer_norm_bp (onednn)"), fired.toString());
        assertEquals(1, fired.get("conv_bp, no input gradient (onednn)"), fired.toString());
        assertEquals(2, fired.get("conv_bp (onednn)"), "the later stages' embeddings: " + fired);
        assertEquals(3 * blocks, fired.get("depthwise conv_bp (onednn)"), "q, k, v of each block: " + fired);
        assertEquals(3 * blocks, fired.get("batch_norm (onednn)"), "q, k, v's BatchNorm: " + fired);
        assertEquals(3 * blocks, fired.get("batch_norm_bp (onednn)"), "q, k, v's BatchNorm: " + fired);
        // the bias gradients read the bias add's output for its shape, so that the product and its bias are one step
        assertEquals(6 * blocks + 1, fired.get("matmul + bias (onednn)"), "q, k, v, proj, fc1, fc2 and the head: " + fired);
        assertEquals(2 * blocks, fired.get("matmul (onednn)"), "the attention products: " + fired);
        assertEquals(blocks, fired.get("softmax_bp (onednn)"), "the attention's softmax, backward from its output: " + fired);
    }

    /** One step on the fixture under the given system properties, its gradients copied. */
    private static TrainingGraph.Step stepWith(String fixture, Map<String, String> properties) {
        properties.forEach(System::setProperty);
        try {
            Case c = Case.load(fixture);
            TrainingGraph.Step step = c.graph().step(c.input(), c.target(), c.graph().trainableNames());
            Map<String, INDArray> copies = new java.util.LinkedHashMap<>();
            step.gradients().forEach((name, g) -> copies.put(name, g.dup()));
            return new TrainingGraph.Step(step.loss(), step.logits().dup(), copies, Map.of(), step.batch());
        } finally {
            properties.keySet().forEach(System::clearProperty);
        }
    }

    /** A fixture's model (reference weights), input, one-hot training target and training graph. */
    private record Case(VisionModel model, INDArray input, INDArray target, TrainingGraph graph) {
        static Case load(String fixture) {
            Path dir = Fixtures.dir(fixture);
            VisionModel m = VisionModel.fromCheckpoint(Zoo.architecture(dir.resolve("spec.json"), null), dir.resolve("model.pth"));
            INDArray x = Fixtures.npy(fixture, "input.npy");
            INDArray target = oneHot(Fixtures.npy(fixture, "train_step/labels.npy"), m.architecture().numClasses());
            return new Case(m, x, target, new TrainingGraph(m, x.size(2), x.size(3)));
        }
    }

    private static INDArray oneHot(INDArray labels, int classes) {
        INDArray target = Nd4j.zeros(DataType.FLOAT, labels.length(), classes);
        for (int i = 0; i < labels.length(); i++) target.putScalar(i, labels.getInt(i), 1.0);
        return target;
    }

    /** The loss and every parameter's gradient against the reference's. */
    private static void assertStepMatchesReference(String fixture, VisionModel m, TrainingGraph g, TrainingGraph.Step step) {
        double refLoss = Fixtures.npy(fixture, "train_step/loss.npy").getDouble(0);
        assertEquals(refLoss, step.loss(), TOLERANCE * Math.max(1, Math.abs(refLoss)), "loss");
        List<String> failures = gradientFailures(fixture, m, step.gradients());
        assertTrue(failures.isEmpty(), fixture + " gradients off: " + failures);
        assertEquals(g.trainableNames().size(), checkedGradients(fixture), "every trainable parameter has a reference gradient");
    }

    /**
     * The gradients off the reference's: by compare.py's measure (over 1e-4), or against the
     * tensor's own scale (over {@value #OWN_SCALE_TOLERANCE}), which catches a wrong small
     * gradient that compare.py's absolute floor lets through. A tensor's scale is at least
     * {@value #NOISE_FLOOR} of the largest gradient's: some gradients are zero in exact arithmetic
     * (a key projection's bias: softmax ignores a constant added to every key), and both sides
     * then hold float round-off, which no own scale can compare.
     */
    static List<String> gradientFailures(String fixture, VisionModel m, Map<String, INDArray> gradients) {
        Map<String, ParamStore.Entry> entries = m.parameters().entries();
        List<String> failures = new ArrayList<>();
        Map<String, INDArray[]> pairs = new LinkedHashMap<>();
        double largest = 0;
        try (StateDict grads = Checkpoints.open(Fixtures.dir(fixture).resolve("train_step/grads.safetensors"))) {
            for (String name : grads.keys()) {
                INDArray ref = grads.get(name).castTo(DataType.DOUBLE);
                INDArray got = gradientAsReference(fixture, name, entries.get(name), gradients.get(name), ref);
                pairs.put(name, new INDArray[]{got, ref});
                largest = Math.max(largest, Transforms.abs(ref).maxNumber().doubleValue());
            }
        }
        double worst = 0;
        String worstName = null;
        for (Map.Entry<String, INDArray[]> e : pairs.entrySet()) {
            INDArray got = e.getValue()[0], ref = e.getValue()[1];
            double err = Fixtures.relativeError(got, ref);
            double own = errorOfOwnScale(got.castTo(DataType.DOUBLE).reshape(ref.shape()), ref, NOISE_FLOOR * largest);
            if (!(err <= TOLERANCE)) failures.add(e.getKey() + " " + err);
            if (!(own <= OWN_SCALE_TOLERANCE)) failures.add(e.getKey() + " " + own + " of its own scale");
            if (own > worst) {
                worst = own;
                worstName = e.getKey();
            }
        }
        System.out.printf("%s gradients: worst error of their own scale %.2e (%s)%n", fixture, worst, worstName);
        return failures;
    }

    /** {@code max|got - ref| / max(max|ref|, floor)}: the error against the tensor's own scale, at least {@code floor}. */
    static double errorOfOwnScale(INDArray got, INDArray ref, double floor) {
        return got.sub(ref).amaxNumber().doubleValue() / Math.max(ref.amaxNumber().doubleValue(), floor);
    }

    private static int checkedGradients(String fixture) {
        try (StateDict grads = Checkpoints.open(Fixtures.dir(fixture).resolve("train_step/grads.safetensors"))) {
            return grads.keys().size();
        }
    }

    /**
     * gen.py's vit_tiny keeps a 14x14 pos_embed while its spec runs at 64 px (4x4), so our model
     * holds the resampled 4x4 one (pos4 = M pos14, M linear): the reference's gradient is then
     * M^T applied to ours. Every other gradient is compared as it is (PyTorch layout).
     */
    private static INDArray gradientAsReference(String fixture, String name, ParamStore.Entry e, INDArray grad, INDArray ref) {
        INDArray torch = e.layout().toTorch(grad);
        if (!isResampledPosEmbed(fixture, name) || java.util.Arrays.equals(ref.shape(), torch.shape())) return torch;
        int oldSide = (int) Math.round(Math.sqrt(ref.size(1) - 1)), side = (int) Math.round(Math.sqrt(torch.size(1) - 1));
        INDArray mh = Nd4j.createFromArray(Resample.bicubicAntialiasMatrix(side, oldSide)); // [side, oldSide]
        long c = torch.size(2);
        INDArray out = Nd4j.zeros(DataType.DOUBLE, ref.shape());
        out.get(NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all())
                .assign(torch.get(NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all()));
        INDArray g = torch.get(NDArrayIndex.point(0), NDArrayIndex.interval(1, 1 + side * side), NDArrayIndex.all())
                .castTo(DataType.DOUBLE).reshape(side, side, c);
        for (int ch = 0; ch < c; ch++) {
            INDArray gc = g.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(ch)); // [side, side]
            INDArray back = mh.transpose().mmul(gc).mmul(mh); // [oldSide, oldSide]
            out.get(NDArrayIndex.point(0), NDArrayIndex.interval(1, 1 + oldSide * oldSide), NDArrayIndex.point(ch))
                    .assign(back.reshape(oldSide * oldSide));
        }
        return out;
    }

    private static boolean isResampledPosEmbed(String fixture, String name) {
        return fixture.startsWith("vit") && name.equals("pos_embed");
    }
}
