package org.cvtzoo.zoo;

import org.cvtzoo.core.ZooException;
import org.cvtzoo.core.exec.Execution;
import org.cvtzoo.core.exec.ExecutionPlan;
import org.cvtzoo.core.graph.ParamStore;
import org.cvtzoo.core.graph.Scope;
import org.cvtzoo.core.image.EvalTransform;
import org.cvtzoo.core.image.ImageNetLabels;
import org.cvtzoo.core.image.RgbImage;
import org.cvtzoo.core.weights.Checkpoints;
import org.cvtzoo.core.weights.SafetensorsWriter;
import org.cvtzoo.core.weights.StateDict;
import org.nd4j.autodiff.listeners.Listener;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A loaded model: its parameters under the official names, and an inference graph per input
 * size built on demand from the family's block code (all sharing the same parameter arrays).
 *
 * <p>{@code with...} methods return a new model that shares this one's parameters and graphs
 * (loading weights into or training one changes both) and differs only in what was asked.
 */
public final class VisionModel {
    private static final String INPUT = "input";
    private static final int GRAPH_CACHE = 2;
    private static final int PLAN_CACHE = 2;

    private final Architecture arch;
    private final Weights weights;
    private final EvalTransform eval;
    private final List<String> classNames;

    /** Logits {@code [B, classes]}, features {@code [B, dim]}, attention {@code [B, heads, h, w]} (null where the model has none). */
    public record Output(INDArray logits, INDArray features, INDArray attention) {
    }

    /** An inference graph, and its execution plans by batch size (see {@link #forward}). */
    private record Graph(SameDiff sd, String logits, String features, String attention, Map<Long, ExecutionPlan> plans) {
        List<String> outputs() {
            return attention == null ? List.of(logits, features) : List.of(logits, features, attention);
        }
    }

    /** The parameters and what is built on them, shared by a model and its {@code with...} copies. */
    private static final class Weights {
        final ParamStore params;
        final Map<String, Graph> graphs = new LinkedHashMap<>(4, 0.75f, true);
        Listener[] listeners = new Listener[0];
        volatile int planCache = PLAN_CACHE;

        Weights(boolean initialise) {
            params = new ParamStore(initialise);
        }
    }

    /** A model with freshly initialised parameters. */
    public VisionModel(Architecture arch) {
        this(arch, new Weights(true), arch.eval(), null);
        int[] size = arch.nativeSize();
        graph(size[0], size[1]); // declares every parameter
    }

    private VisionModel(Architecture arch, Weights weights, EvalTransform eval, List<String> classNames) {
        this.arch = arch;
        this.weights = weights;
        this.eval = eval;
        this.classNames = classNames;
    }

    /** A model with the weights of a checkpoint (.pth or .safetensors, official or Hugging Face names). */
    public static VisionModel fromCheckpoint(Architecture arch, Path file) {
        VisionModel m = new VisionModel(arch, new Weights(false), arch.eval(), null);
        int[] size = arch.nativeSize();
        m.graph(size[0], size[1]); // declares every parameter, uninitialised: the checkpoint fills them
        return m.loadWeights(file);
    }

    public Architecture architecture() {
        return arch;
    }

    public ParamStore parameters() {
        return weights.params;
    }

    /** Replaces the parameters by a checkpoint's (.pth or .safetensors, official or Hugging Face names), strictly. */
    public VisionModel loadWeights(Path file) {
        try (StateDict dict = Checkpoints.open(file)) {
            weights.params.load(arch.filterCheckpoint(dict), file.getFileName().toString());
        }
        return this;
    }

    /** SameDiff listeners for every inference graph (e.g. to time each op: {@code bin/cvt bench --profile}). */
    public void setListeners(Listener... listeners) {
        synchronized (weights) {
            weights.listeners = listeners.clone();
            weights.graphs.values().forEach(g -> g.sd.setListeners(weights.listeners));
        }
    }

    /**
     * How many batch sizes keep their execution plan per input size (default 2, shared with the
     * {@code with...} copies): a server that pads batches to a few sizes keeps one plan for each,
     * instead of rebuilding plans as the batch size changes.
     */
    public void setPlanCacheSize(int batchSizes) {
        if (batchSizes < 1) throw new ZooException("plan cache size must be >= 1, got " + batchSizes);
        weights.planCache = batchSizes;
    }

    /**
     * How images are preprocessed for this model: its spec's official evaluation transform unless
     * another was set; null where none is known (then only preprocessed input can be given).
     */
    public EvalTransform eval() {
        return eval;
    }

    /** This model, preprocessing images with {@code transform}. */
    public VisionModel withEval(EvalTransform transform) {
        return new VisionModel(arch, weights, transform, classNames);
    }

    /** Class names for the logits: ImageNet-1k's for 1000 classes unless set (e.g. by fine-tuning). */
    public List<String> classNames() {
        if (classNames != null) return classNames;
        if (arch.numClasses() == ImageNetLabels.COUNT) return ImageNetLabels.all();
        return java.util.stream.IntStream.range(0, arch.numClasses()).mapToObj(i -> "class " + i).toList();
    }

    /** This model, with names for its classes. */
    public VisionModel withClassNames(List<String> names) {
        if (names.size() != arch.numClasses()) {
            throw new ZooException(names.size() + " class names for a model with " + arch.numClasses() + " classes");
        }
        return new VisionModel(arch, weights, eval, List.copyOf(names));
    }

    /** Preprocesses images with {@link #eval()} into one NCHW batch. */
    public INDArray preprocess(List<RgbImage> images) {
        if (eval == null) {
            throw new ZooException("no evaluation preprocessing is known for " + arch.name() + " (" + why(arch)
                    + "); set one with withEval(...), or give preprocessed input");
        }
        return eval.applyBatch(images);
    }

    private static String why(Architecture a) {
        int[] s = a.nativeSize();
        return s[0] != s[1] ? "its spec's input size " + s[0] + "x" + s[1] + " is not square" : "its spec does not say";
    }

    /** The top-k classes of each image. */
    public List<Prediction> classify(List<RgbImage> images, int k) {
        return predictions(forward(preprocess(images)).logits(), k);
    }

    public Prediction classify(RgbImage image, int k) {
        return classify(List.of(image), k).get(0);
    }

    /** Pre-logits embeddings {@code [B, dim]} of images. */
    public INDArray features(List<RgbImage> images) {
        return forward(preprocess(images)).features();
    }

    /** The model's attention map of one image (see {@link Output#attention()}); null where it has none. */
    public INDArray attention(RgbImage image) {
        return forward(preprocess(List.of(image))).attention();
    }

    /** Softmax probabilities of logits {@code [B, classes]} and the top-k labels of each row. */
    public List<Prediction> predictions(INDArray logits, int k) {
        if (k < 1) throw new ZooException("top-k needs k >= 1, got " + k);
        INDArray probs = Transforms.softmax(logits.castTo(DataType.DOUBLE), true);
        List<String> names = classNames();
        List<Prediction> out = new java.util.ArrayList<>();
        for (int row = 0; row < probs.rows(); row++) {
            double[] p = probs.getRow(row).toDoubleVector();
            Integer[] order = java.util.stream.IntStream.range(0, p.length).boxed().toArray(Integer[]::new);
            java.util.Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
            List<Prediction.Label> top = new java.util.ArrayList<>();
            for (int i = 0; i < Math.min(k, p.length); i++) top.add(new Prediction.Label(order[i], names.get(order[i]), p[order[i]]));
            out.add(new Prediction(top));
        }
        return out;
    }

    /** Whether the model exposes an attention map (at its native size). */
    public boolean hasAttentionMap() {
        int[] size = arch.nativeSize();
        return graph(size[0], size[1]).attention != null;
    }

    /**
     * Writes the parameters and buffers under the official names as {@code .safetensors}
     * (atomically): PyTorch users load it with {@code load_state_dict(load_file(f))}, strict.
     */
    public void exportSafetensors(Path file) {
        exportSafetensors(file, Map.of());
    }

    /** As {@link #exportSafetensors(Path)}, with more metadata (see {@link ModelFile}). */
    public void exportSafetensors(Path file, Map<String, String> metadata) {
        exportSafetensors(file, metadata, 0);
    }

    /**
     * As {@link #exportSafetensors(Path, Map)}, with BatchNorm's {@code num_batches_tracked} (which
     * strict PyTorch loading expects) set to the training steps its caller counted (0 otherwise).
     */
    public void exportSafetensors(Path file, Map<String, String> metadata, long batchesTracked) {
        Map<String, Long> counters = new LinkedHashMap<>();
        for (String name : weights.params.entries().keySet()) {
            if (name.endsWith(".running_mean")) {
                counters.put(name.substring(0, name.length() - "running_mean".length()) + "num_batches_tracked", batchesTracked);
            }
        }
        Map<String, String> meta = new LinkedHashMap<>(Map.of("format", "pt"));
        meta.putAll(metadata);
        SafetensorsWriter.write(file, weights.params.stateDict(), counters, meta);
    }

    /**
     * Runs a preprocessed float NCHW batch through the inference graph: on an execution plan for
     * its shape (built on first use; concurrent calls of one shape take turns), or on SameDiff's
     * own {@code output()} with {@code -Dcvt.exec=samediff}.
     */
    public Output forward(INDArray input) {
        long[] s = input.shape();
        if (input.rank() != 4) {
            throw new ZooException("input must be a batch of images [B, 3, H, W], got shape " + Arrays.toString(s));
        }
        if (s[1] != 3) {
            throw new ZooException("input must have 3 channels (RGB) in NCHW order, got shape " + Arrays.toString(s));
        }
        if (!input.dataType().isFPType()) {
            throw new ZooException("input must be floating point, got " + input.dataType());
        }
        if (s[0] < 1) throw new ZooException("input batch is empty");
        Graph g = graph(s[2], s[3]);
        INDArray x = input.dataType() == DataType.FLOAT ? input : input.castTo(DataType.FLOAT);
        Map<String, INDArray> out = Execution.configured() == Execution.SAMEDIFF
                ? g.sd.output(Map.of(INPUT, x), g.outputs())
                : plan(g, x.shape(), weights.planCache).run(Map.of(INPUT, x));
        return new Output(out.get(g.logits), out.get(g.features), g.attention == null ? null : out.get(g.attention));
    }

    /**
     * The rewrites that the execution plan for a batch of this shape runs ({@link ExecutionPlan#rewrites()}):
     * which op chains run as oneDNN primitives or Java kernels. Builds the plan if needed.
     */
    public Map<String, Integer> planRewrites(long batch, long height, long width) {
        return plan(graph(height, width), new long[]{batch, 3, height, width}, weights.planCache).rewrites();
    }

    /** The plan for a batch shape; one evicted from the cache is left to the garbage collector (a run may still hold it). */
    private static ExecutionPlan plan(Graph g, long[] shape, int cacheSize) {
        synchronized (g.plans) {
            ExecutionPlan p = g.plans.get(shape[0]);
            if (p != null) return p;
            p = ExecutionPlan.build(g.sd, Map.of(INPUT, shape), g.outputs());
            g.plans.put(shape[0], p);
            while (g.plans.size() > cacheSize) g.plans.remove(g.plans.keySet().iterator().next());
            return p;
        }
    }

    private Graph graph(long h, long w) {
        synchronized (weights) {
            String key = h + "x" + w;
            Graph g = weights.graphs.get(key);
            if (g != null) return g;
            arch.checkInputSize(h, w);
            SameDiff sd = SameDiff.create();
            SDVariable input = sd.placeHolder(INPUT, DataType.FLOAT, -1, 3, h, w);
            Architecture.Outputs o = arch.build(new Scope(sd, weights.params), input, h, w);
            sd.setListeners(weights.listeners);
            g = new Graph(sd, o.logits().name(), o.features().name(), o.attention() == null ? null : o.attention().name(),
                    new LinkedHashMap<>(4, 0.75f, true));
            weights.graphs.put(key, g);
            if (weights.graphs.size() > GRAPH_CACHE) {
                weights.graphs.remove(weights.graphs.keySet().iterator().next());
            }
            return g;
        }
    }
}
