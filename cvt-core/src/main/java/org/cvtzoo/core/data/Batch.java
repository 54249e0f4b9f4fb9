package org.cvtzoo.core.data;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A batch of examples.
 *
 * @param images  float32 NCHW {@code [N, C, H, W]}
 * @param labels  the N labels
 * @param indices the N dataset indices the examples came from
 */
public record Batch(INDArray images, int[] labels, int[] indices) {
    public Batch {
        if (images.rank() != 4 || images.size(0) != labels.length
                || labels.length != indices.length) {
            throw new IllegalArgumentException("a batch of " + labels.length + " labels and "
                    + indices.length + " indices needs [N, C, H, W] images with N = "
                    + labels.length + ", got " + java.util.Arrays.toString(images.shape()));
        }
    }

    /** The number of examples, N. */
    public int size() {
        return labels.length;
    }

    @Override
    public int[] labels() {
        return labels.clone();
    }

    @Override
    public int[] indices() {
        return indices.clone();
    }

    @Override
    public String toString() {
        return "Batch[" + java.util.Arrays.toString(images.shape()) + "]";
    }
}
