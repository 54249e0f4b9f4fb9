package org.cvtzoo.core.graph;

import org.cvtzoo.core.weights.CheckpointException;
import org.cvtzoo.core.weights.StateDict;
import org.cvtzoo.core.weights.TensorInfo;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Every parameter and buffer of one model, under its official PyTorch {@code state_dict} name.
 * The arrays live here, in the layout SameDiff wants; every graph built for the model (one per
 * input size, inference or training) uses these same arrays, so loading a checkpoint once
 * updates them all. The only place where PyTorch and SameDiff layouts meet is {@link Layout}.
 */
public final class ParamStore {

    /** How a PyTorch tensor is laid out for SameDiff. */
    public enum Layout {
        /** Same shape and order (biases, norms, tokens, running statistics). */
        AS_IS,
        /** nn.Linear weight {@code [out, in]} stored as {@code [in, out]} for mmul. */
        LINEAR,
        /** nn.Conv2d weight {@code [O, I, kH, kW]} stored as YXIO {@code [kH, kW, I, O]}. */
        CONV,
        /** Depthwise nn.Conv2d weight {@code [C, 1, kH, kW]} stored as {@code [kH, kW, C, 1]}. */
        DEPTHWISE;

        public long[] graphShape(long[] t) {
            return switch (this) {
                case AS_IS -> t.clone();
                case LINEAR -> new long[]{t[1], t[0]};
                case CONV -> new long[]{t[2], t[3], t[1], t[0]};
                case DEPTHWISE -> new long[]{t[2], t[3], t[0], t[1]};
            };
        }

        /** A view of a PyTorch-layout array in graph layout (no copy). */
        public INDArray toGraph(INDArray t) {
            return switch (this) {
                case AS_IS -> t;
                case LINEAR -> t.transpose();
                case CONV -> t.permute(2, 3, 1, 0);
                case DEPTHWISE -> t.permute(2, 3, 0, 1);
            };
        }

        /** A view of a graph-layout array in PyTorch layout (no copy). */
        public INDArray toTorch(INDArray g) {
            return switch (this) {
                case AS_IS -> g;
                case LINEAR -> g.transpose();
                case CONV -> g.permute(3, 2, 0, 1);
                case DEPTHWISE -> g.permute(2, 3, 0, 1);
            };
        }
    }

    /** One named tensor: a trainable parameter or a buffer (BatchNorm running statistics). */
    public record Entry(String name, long[] torchShape, Layout layout, boolean trainable, INDArray value) {
        /** The value in PyTorch layout, as a view. */
        public INDArray torchView() {
            return layout.toTorch(value);
        }
    }

    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final boolean initialise;

    /** A store whose parameters get their initialisers' values. */
    public ParamStore() {
        this(true);
    }

    /**
     * @param initialise false when a checkpoint will overwrite every value anyway: the
     *                   parameters start as zeros, which saves seconds of random numbers on
     *                   large models
     */
    public ParamStore(boolean initialise) {
        this.initialise = initialise;
    }

    /**
     * The array for {@code name}, created by {@code init} (given the array in PyTorch layout)
     * the first time it is asked for; later calls must agree on shape and layout.
     */
    public INDArray getOrCreate(String name, long[] torchShape, Layout layout, boolean trainable,
                                Consumer<INDArray> init) {
        Entry e = entries.get(name);
        if (e != null) {
            if (!Arrays.equals(e.torchShape, torchShape) || e.layout != layout) {
                throw new IllegalStateException("parameter " + name + " declared twice with different shapes: "
                        + Arrays.toString(e.torchShape) + " and " + Arrays.toString(torchShape));
            }
            return e.value;
        }
        INDArray value = Nd4j.create(DataType.FLOAT, layout.graphShape(torchShape), 'c');
        if (initialise) init.accept(layout.toTorch(value));
        entries.put(name, new Entry(name, torchShape.clone(), layout, trainable, value));
        return value;
    }

    public Map<String, Entry> entries() {
        return Collections.unmodifiableMap(entries);
    }

    /** Every parameter and buffer under its official name, in PyTorch layout (views): a state_dict. */
    public Map<String, INDArray> stateDict() {
        Map<String, INDArray> out = new LinkedHashMap<>();
        entries.values().forEach(e -> out.put(e.name(), e.torchView()));
        return out;
    }

    public long parameterCount() {
        return entries.values().stream().filter(Entry::trainable).mapToLong(e -> e.value.length()).sum();
    }

    /**
     * Loads every tensor of {@code dict} into this store, strictly: a missing, unexpected or
     * wrongly shaped tensor is an error that names each one, and nothing is assigned unless
     * all of them fit. {@code num_batches_tracked} counters are ignored. Tensors are read one at a
     * time, so peak memory is the model plus one tensor.
     */
    public void load(StateDict dict, String source) {
        List<String> missing = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        List<String> wrongShape = new ArrayList<>();
        for (String key : dict.keys()) {
            if (key.endsWith("num_batches_tracked")) continue;
            Entry e = entries.get(key);
            TensorInfo info = dict.info(key);
            if (e == null) {
                unexpected.add(key + " " + Arrays.toString(info.shape()));
            } else if (!Arrays.equals(e.torchShape, info.shape())) {
                wrongShape.add(key + ": checkpoint " + Arrays.toString(info.shape())
                        + ", model " + Arrays.toString(e.torchShape));
            }
        }
        for (String name : entries.keySet()) {
            if (!dict.keys().contains(name)) missing.add(name);
        }
        if (!missing.isEmpty() || !unexpected.isEmpty() || !wrongShape.isEmpty()) {
            StringBuilder sb = new StringBuilder(source).append(" does not fit this model:");
            appendProblems(sb, "missing", missing);
            appendProblems(sb, "unexpected", unexpected);
            appendProblems(sb, "wrong shape", wrongShape);
            throw new CheckpointException(sb.toString());
        }
        for (Entry e : entries.values()) {
            INDArray t = dict.get(e.name);
            e.value.assign(e.layout.toGraph(t.reshape(e.torchShape)));
            t.close();
        }
    }

    private static void appendProblems(StringBuilder sb, String what, List<String> names) {
        if (names.isEmpty()) return;
        int shown = Math.min(names.size(), 8);
        sb.append(' ').append(names.size()).append(' ').append(what).append(" (")
                .append(String.join(", ", names.subList(0, shown)));
        if (shown < names.size()) sb.append(", ... ").append(names.size() - shown).append(" more");
        sb.append(");");
    }
}
