package org.cvtzoo.core.weights;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Iterator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Helpers shared by the readers. */
final class StateDicts {
    private StateDicts() {
    }

    /** Largest element count that fits one float[] (and so one tensor read). */
    static final long MAX_ELEMENTS = Integer.MAX_VALUE - 16;

    private static final int CHUNK_BYTES = 1 << 20;

    /** Sequential source of bytes; returns -1 at the end like a channel. */
    interface ByteSource {
        int read(ByteBuffer dst) throws IOException;
    }

    static CheckpointException noSuchKey(Path file, String key, Collection<String> keys) {
        StringBuilder sb = new StringBuilder();
        sb.append(file).append(": no tensor named '").append(key).append("' (").append(keys.size())
                .append(" tensors");
        Iterator<String> it = keys.iterator();
        for (int i = 0; i < 5 && it.hasNext(); i++) {
            sb.append(i == 0 ? ": " : ", ").append(it.next());
        }
        if (it.hasNext()) {
            sb.append(", ...");
        }
        return new CheckpointException(sb.append(')').toString());
    }

    static String shapeString(long[] shape) {
        if (shape.length == 0) {
            return "scalar";
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < shape.length; i++) {
            sb.append(i == 0 ? "" : "x").append(shape[i]);
        }
        return sb.toString();
    }

    static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /**
     * Reads {@code count} elements of a supported dtype from {@code src} in chunks and converts
     * them to float32. Throws {@link java.io.EOFException} if the source ends early.
     */
    static float[] readFloats(ByteSource src, String dtype, ByteOrder order, long count)
            throws IOException {
        if (count > MAX_ELEMENTS) {
            throw new IOException("too many elements for one array: " + count);
        }
        int es = DTypes.elementSize(dtype);
        float[] out = new float[(int) count];
        int chunkElems = CHUNK_BYTES / es;
        ByteBuffer buf = ByteBuffer.allocate(Math.min(CHUNK_BYTES, (int) Math.max(es, count * es)))
                .order(order);
        int done = 0;
        while (done < count) {
            int n = (int) Math.min(chunkElems, count - done);
            buf.clear();
            buf.limit(n * es);
            while (buf.hasRemaining()) {
                if (src.read(buf) < 0) {
                    throw new java.io.EOFException("data ends after "
                            + ((long) done * es + buf.position()) + " of " + count * es + " bytes");
                }
            }
            buf.flip();
            DTypes.decode(dtype, buf, out, done, n);
            done += n;
        }
        return out;
    }

    /** Whether (shape, stride) is the C-contiguous layout (size-1 dims may have any stride). */
    static boolean isCContiguous(long[] shape, long[] stride) {
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && stride[i] != expected) {
                return false;
            }
            expected *= shape[i];
        }
        return true;
    }

    /** Largest storage index (relative to the view's offset) a strided view touches; numel>0. */
    static long maxRelativeIndex(long[] shape, long[] stride) {
        long max = 0;
        for (int i = 0; i < shape.length; i++) {
            max = Math.addExact(max, Math.multiplyExact(shape[i] - 1, stride[i]));
        }
        return max;
    }

    /** Copies a strided view out of {@code span} (which starts at the view's offset) in C order. */
    static float[] gather(float[] span, long[] shape, long[] stride, int numel) {
        float[] out = new float[numel];
        int rank = shape.length;
        long[] idx = new long[rank];
        long pos = 0;
        for (int i = 0; i < numel; i++) {
            out[i] = span[(int) pos];
            // increment the multi-index, last dimension fastest
            for (int d = rank - 1; d >= 0; d--) {
                idx[d]++;
                pos += stride[d];
                if (idx[d] < shape[d]) {
                    break;
                }
                pos -= idx[d] * stride[d];
                idx[d] = 0;
            }
        }
        return out;
    }

    /** A new float32 C-order array of {@code shape} holding {@code data} (C order). */
    static INDArray toArray(float[] data, long[] shape) {
        if (shape.length == 0) {
            return Nd4j.scalar(data[0]);
        }
        for (long d : shape) {
            if (d == 0) {
                return Nd4j.create(DataType.FLOAT, shape);
            }
        }
        return Nd4j.create(data, shape, 'c');
    }
}
