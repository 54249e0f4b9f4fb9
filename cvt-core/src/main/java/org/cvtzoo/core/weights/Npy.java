package org.cvtzoo.core.weights;

import org.nd4j.linalg.api.ndarray.INDArray;
import java.nio.file.Path;

/** TEMPORARY stub until the weights branch is merged. */
public final class Npy {
    public static INDArray read(Path p) { throw new UnsupportedOperationException(); }
    public static void write(Path p, INDArray a) { throw new UnsupportedOperationException(); }
    public static String dtype(Path p) { throw new UnsupportedOperationException(); }
}
