package org.cvtzoo.core.weights;

import org.nd4j.linalg.api.ndarray.INDArray;
import java.util.Set;
import java.util.function.Function;

/** TEMPORARY stub until the weights branch is merged. */
public interface StateDict extends AutoCloseable {
    Set<String> keys();
    TensorInfo info(String key);
    INDArray get(String key);
    StateDict renamed(Function<String, String> rename);
    void close();
}
