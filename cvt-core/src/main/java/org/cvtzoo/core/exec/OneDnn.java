package org.cvtzoo.core.exec;

import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * oneDNN's primitives (the JavaCPP preset {@code org.bytedeco:dnnl}, oneDNN 2.5) beside ND4J in
 * one process: one CPU engine and stream, and memory objects laid directly over ND4J's buffers
 * (no copies; a primitive built once follows the buffer's contents).
 *
 * <p>Used on ND4J's CPU backend where the preset's natives load, unless
 * {@code -Dcvt.exec.onednn=false}; elsewhere (CUDA, other platforms) plans run without it.
 * Both libraries share ND4J's OpenMP runtime, so {@code OMP_NUM_THREADS} sets both.
 */
public final class OneDnn {
    /** The system property that turns oneDNN's primitives off ({@code false}). */
    public static final String SWITCH = "cvt.exec.onednn";

    private static final State STATE = State.load();

    private OneDnn() {
    }

    /**
     * Whether plans built now use oneDNN's primitives: its natives loaded on the CPU backend, and
     * {@code -D}{@value #SWITCH}{@code =false} is not set (read on each call, as plans are built).
     */
    public static boolean enabled() {
        return STATE.dnnlEngine != null && !switchedOff();
    }

    /** Why oneDNN is or is not used, in one line (for {@code bin/cvt info}). */
    public static String status() {
        return switchedOff() ? "off (-D" + SWITCH + "=false)" : STATE.why;
    }

    private static boolean switchedOff() {
        return "false".equalsIgnoreCase(System.getProperty(SWITCH));
    }

    static engine engine() {
        return STATE.dnnlEngine;
    }

    static stream stream() {
        return STATE.dnnlStream;
    }

    /** Whether a primitive can take the array in place: float, c-order, contiguous. */
    static boolean fits(INDArray a) {
        return a.dataType() == DataType.FLOAT && a.ordering() == 'c' && a.elementWiseStride() == 1 && !a.isEmpty();
    }

    /** A memory object over the array's own buffer, with the given dimensions and strides (in elements). */
    static memory memory(INDArray a, long[] dims, long[] strides) {
        return new memory(desc(dims, strides), engine(), address(a));
    }

    /** A memory object over the array's buffer, laid out as {@code desc} says (a primitive's own layout, say). */
    static memory memory(INDArray a, memory.desc desc) {
        return new memory(desc, engine(), address(a));
    }

    /** A memory object over the array's buffer as a dense c-order tensor of the given dimensions. */
    static memory memory(INDArray a, long... dims) {
        return memory(a, dims, denseStrides(dims));
    }

    /** A buffer of its own (off ND4J's workspaces) for memory in a primitive's layout: reordered weights, say. */
    static INDArray scratch(memory.desc layout) {
        return Nd4j.createUninitializedDetached(DataType.FLOAT, layout.get_size() / Float.BYTES);
    }

    static memory.desc desc(long[] dims) {
        return desc(dims, denseStrides(dims));
    }

    static memory.desc desc(long[] dims, long[] strides) {
        return new memory.desc(new LongPointer(dims), memory.data_type.f32, new LongPointer(strides), false);
    }

    static long[] denseStrides(long[] dims) {
        long[] s = new long[dims.length];
        long step = 1;
        for (int i = dims.length - 1; i >= 0; i--) {
            s[i] = step;
            step *= dims[i];
        }
        return s;
    }

    /**
     * The address of the array's first element. An ND4J array at an offset holds a view buffer
     * whose address pointer already starts there (measured: adding {@code offset()} again reads
     * past the view); the check below keeps that assumption honest.
     */
    private static Pointer address(INDArray a) {
        Pointer base = a.data().addressPointer();
        if (a.data().offset() != a.offset()) {
            throw new IllegalStateException("array offset " + a.offset() + " is not its buffer's " + a.data().offset());
        }
        long at = base.address() + base.position() * a.data().getElementSize();
        return new Pointer() {
            {
                address = at;
            }
        };
    }

    private record State(engine dnnlEngine, stream dnnlStream, String why) {
        static State load() {
            if (!Nd4j.getEnvironment().isCPU()) {
                return new State(null, null, "not used (ND4J runs on " + Nd4j.getBackend().getClass().getSimpleName()
                        + ", oneDNN's primitives here are CPU ones)");
            }
            try {
                engine e = new engine(org.bytedeco.dnnl.engine.kind.cpu, 0);
                stream s = new stream(e);
                var v = dnnl.dnnl_version();
                return new State(e, s, "oneDNN " + v.major() + "." + v.minor() + "." + v.patch()
                        + " primitives in the execution plans (off: -D" + SWITCH + "=false)");
            } catch (Throwable t) { // UnsatisfiedLinkError, NoClassDefFoundError: no natives for this platform
                return new State(null, null, "not available (" + t.getClass().getSimpleName() + ": " + t.getMessage()
                        + "); the plans run ND4J's ops and Java kernels");
            }
        }
    }
}
