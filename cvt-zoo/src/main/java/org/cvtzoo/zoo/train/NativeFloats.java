package org.cvtzoo.zoo.train;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.FloatBuffer;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;

/**
 * An optimiser's element-wise update of a parameter and its state arrays (same shape, float32,
 * off the Java heap), in Java: chunks are read into Java arrays, updated by a loop that HotSpot
 * vectorises, and written back.
 */
final class NativeFloats {
    private static final int CHUNK = 4096;
    /** Below this many values an update runs on the calling thread alone. */
    private static final long PARALLEL_FROM = 1 << 16;

    /** Updates chunks of the written arrays in place from them and a chunk of g: {@code chunks[0]} is g's, then the written ones in order. */
    interface Update {
        void apply(float[][] chunks, int n);
    }

    private NativeFloats() {
    }

    static void update(INDArray g, INDArray[] written, Update body) {
        INDArray[] all = new INDArray[written.length + 1];
        all[0] = g;
        System.arraycopy(written, 0, all, 1, written.length);
        FloatBuffer[] buffers = new FloatBuffer[all.length];
        for (int k = 0; k < all.length; k++) {
            buffers[k] = buffer(all[k]);
            if (all[k].length() != g.length()) throw new IllegalArgumentException("arrays of different lengths");
        }
        long length = g.length();
        // a large parameter's halves on two threads (the caller's and the common pool's): one core does
        // not saturate memory (AdamW over CvT-13's 20M parameters: 44 -> 32 ms a step, measured)
        boolean twoThreads = length >= PARALLEL_FROM && ForkJoinPool.getCommonPoolParallelism() >= 1
                && Nd4j.getEnvironment().maxThreads() > 1;
        long half = twoThreads ? (length / 2 + CHUNK - 1) / CHUNK * CHUNK : length;
        ForkJoinTask<?> other = half < length
                ? ForkJoinPool.commonPool().submit(() -> update(all, buffers, half, length, body)) : null;
        update(all, buffers, 0, half, body);
        if (other != null) other.join();
    }

    private static void update(INDArray[] all, FloatBuffer[] shared, long from, long to, Update body) {
        float[][] chunks = new float[all.length][CHUNK];
        FloatBuffer[] buffers = new FloatBuffer[shared.length];
        for (int k = 0; k < buffers.length; k++) buffers[k] = shared[k].duplicate(); // a buffer is not for several threads
        for (long start = from; start < to; start += CHUNK) {
            int n = (int) Math.min(CHUNK, to - start);
            for (int k = 0; k < all.length; k++) buffers[k].get((int) (all[k].offset() + start), chunks[k], 0, n);
            body.apply(chunks, n);
            for (int k = 1; k < all.length; k++) buffers[k].put((int) (all[k].offset() + start), chunks[k], 0, n);
        }
    }

    private static FloatBuffer buffer(INDArray a) {
        if (a.dataType() != DataType.FLOAT || a.ordering() != 'c' || a.elementWiseStride() != 1) {
            throw new IllegalArgumentException("optimiser arrays must be contiguous float32 in c order, got " + a.dataType()
                    + " " + a.ordering() + " with element stride " + a.elementWiseStride());
        }
        return a.data().asNioFloat();
    }
}
