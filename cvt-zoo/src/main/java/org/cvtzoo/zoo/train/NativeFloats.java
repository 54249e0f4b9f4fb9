package org.cvtzoo.zoo.train;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.FloatBuffer;

/**
 * An optimiser's element-wise update of a parameter and its state arrays (same shape, float32,
 * off the Java heap), in Java: chunks are read into Java arrays, updated by a loop that HotSpot
 * vectorises, and written back.
 */
final class NativeFloats {
    private static final int CHUNK = 4096;

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
        float[][] chunks = new float[all.length][CHUNK];
        for (int k = 0; k < all.length; k++) {
            buffers[k] = buffer(all[k]);
            if (all[k].length() != g.length()) throw new IllegalArgumentException("arrays of different lengths");
        }
        long length = g.length();
        for (long start = 0; start < length; start += CHUNK) {
            int n = (int) Math.min(CHUNK, length - start);
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
