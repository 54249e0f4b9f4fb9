package org.cvtzoo.core.data;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One labelled example.
 *
 * @param image a float32 CHW tensor {@code [C, H, W]}
 * @param label the class index
 */
public record Example(INDArray image, int label) {
    public Example {
        if (image == null || image.rank() != 3) {
            throw new IllegalArgumentException("an example's image must be a CHW tensor, got "
                    + (image == null ? "null" : java.util.Arrays.toString(image.shape())));
        }
    }
}
