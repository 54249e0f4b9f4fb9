package org.cvtzoo.core.exec;

import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A step that runs oneDNN primitives (one, or one per output of a backward op), built once for
 * the plan's shapes, over the plan's own buffers: their memory objects lie on the argument and
 * output arrays, and are laid anew only when one of those arrays is replaced (a parameter the
 * graph swapped).
 */
final class DnnlStep extends Step {
    /** Where each argument's memory goes: {@code DNNL_ARG_*} and the array, dimensions and strides it is read with. */
    interface Layout {
        Map<Integer, memory> memories(INDArray[] args, INDArray[] outs);
    }

    /** One primitive of the step and its arguments. */
    record Call(primitive primitive, Layout layout) {
    }

    private final List<Call> calls;
    private final INDArray[] args;
    /** For each output, the argument it is unchanged (see {@link Step#passedThrough}), or -1: the primitives write it. */
    private final int[] passed;
    private long[][] outputShapes;
    private final List<memory> held = new ArrayList<>();
    private IntMemoryMap[] memories;

    DnnlStep(SameDiffOp standIn, primitive primitive, INDArray[] args, long[][] outputShapes, Layout layout) {
        this(standIn, List.of(new Call(primitive, layout)), args, outputShapes);
    }

    DnnlStep(SameDiffOp standIn, List<Call> calls, INDArray[] args, long[][] outputShapes) {
        this(standIn, calls, args, outputShapes, new int[outputShapes.length]);
        Arrays.fill(passed, -1);
    }

    /** With outputs that are arguments unchanged: {@code passed[i]} the argument output i is, or -1. */
    DnnlStep(SameDiffOp standIn, List<Call> calls, INDArray[] args, long[][] outputShapes, int[] passed) {
        super(standIn);
        this.calls = List.copyOf(calls);
        this.args = args.clone();
        this.outputShapes = outputShapes;
        this.passed = passed;
        for (int i = 0; i < args.length; i++) ctx.setInputArray(i, args[i]);
    }

    /** The plan allocates the (single) output in this shape, of as many values: the primitive writes the same memory. */
    void reshapeOutput(long[] shape) {
        long had = 1, now = 1;
        for (long d : outputShapes[0]) had *= d;
        for (long d : shape) now *= d;
        if (outputShapes.length != 1 || had != now) throw new IllegalStateException("cannot reshape the output to " + Arrays.toString(shape));
        outputShapes = new long[][]{shape.clone()};
    }

    @Override
    void bind(int index, INDArray array) {
        args[index] = array;
        ctx.setInputArray(index, array);
        memories = null;
    }

    @Override
    void setOutputs(INDArray[] arrays) {
        super.setOutputs(arrays);
        memories = null;
    }

    @Override
    List<LongShapeDescriptor> outputShapes(SameDiff sd) {
        return Arrays.stream(outputShapes).map(s -> LongShapeDescriptor.fromShape(s, args[0].dataType())).toList();
    }

    @Override
    int passedThrough(int output) {
        return passed[output];
    }

    @Override
    void exec() {
        copyUnsharedPassedThrough(args);
        if (memories == null) {
            held.clear();
            memories = new IntMemoryMap[calls.size()];
            for (int i = 0; i < memories.length; i++) {
                IntMemoryMap map = new IntMemoryMap();
                calls.get(i).layout().memories(args, outputs).forEach((arg, m) -> {
                    held.add(m); // the map keeps oneDNN's handle; this keeps the Java object (and its pointer) alive too
                    map.put(arg, m);
                });
                memories[i] = map;
            }
        }
        for (int i = 0; i < memories.length; i++) calls.get(i).primitive().execute(OneDnn.stream(), memories[i]);
        OneDnn.stream()._wait();
    }
}
