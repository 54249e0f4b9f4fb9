package org.cvtzoo.core.weights;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A checkpoint's named tensors, read lazily: opening a state dict reads only the index (the pickle
 * or the safetensors header); {@link #get} reads one tensor from the file each time it is called.
 * Close it to release the file.
 *
 * <p>Instances are obtained from {@link Checkpoints#open(Path)}.
 */
public interface StateDict extends AutoCloseable {

    /** The file this state dict reads from. */
    Path source();

    /** The tensor names, in the order the file lists them (unmodifiable). */
    Set<String> keys();

    default int size() {
        return keys().size();
    }

    default boolean contains(String key) {
        return keys().contains(key);
    }

    /**
     * Name, dtype and shape of one tensor, without reading its data.
     *
     * @throws CheckpointException if there is no such key
     */
    TensorInfo info(String key);

    /**
     * Reads the tensor now and returns a new float32, C-order array of its PyTorch shape (rank 0
     * for a scalar). Half, bfloat16, double and integer tensors are converted to float32.
     *
     * @throws CheckpointException if there is no such key, the dtype is unsupported, or the data
     *                             cannot be read
     * @throws IllegalStateException after {@link #close()}
     */
    INDArray get(String key);

    /**
     * A view of this state dict under new names: {@code rename} maps each key to its new name, or
     * to {@code null} to leave the tensor out. Tensors stay lazy and are read from this state
     * dict's file; closing the view closes this state dict.
     *
     * @throws CheckpointException if two keys are mapped to the same name
     */
    default StateDict renamed(Function<String, String> rename) {
        return new RenamedStateDict(this, rename);
    }

    /** The file's string metadata (safetensors' {@code __metadata__}); empty where the format has none. */
    default Map<String, String> metadata() {
        return Map.of();
    }

    /** Releases the file. Idempotent. */
    @Override
    void close();
}
