package org.cvtzoo.core.weights;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What the checkpoint readers share: the file and its open handle, the index of tensors by
 * name (in the file's order), lookups that name a missing key, and closing.
 *
 * @param <E> where a tensor lies in the file, as the reader's index records it
 */
abstract class FileStateDict<E> implements StateDict {
    final Path file;
    private final Closeable handle;
    private final Map<String, E> index;
    private volatile boolean closed;

    FileStateDict(Path file, Closeable handle, Map<String, E> index) {
        this.file = file;
        this.handle = handle;
        this.index = index;
    }

    /** Reads one tensor of this open state dict. */
    abstract INDArray read(String key, E entry);

    @Override
    public final Path source() {
        return file;
    }

    @Override
    public final Set<String> keys() {
        return Collections.unmodifiableSet(index.keySet());
    }

    /** The index entry of {@code key}; a CheckpointException naming the file's keys where there is none. */
    final E entry(String key) {
        E e = index.get(key);
        if (e == null) {
            throw StateDicts.noSuchKey(file, key, index.keySet());
        }
        return e;
    }

    @Override
    public final INDArray get(String key) {
        if (closed) {
            throw new IllegalStateException(file + ": state dict is closed");
        }
        return read(key, entry(key));
    }

    /** Throws unless tensor {@code key}'s {@code numel} elements fit one Java array. */
    final void checkFitsOneArray(String key, long numel) {
        if (numel > StateDicts.MAX_ELEMENTS) {
            throw new CheckpointException(file + ": tensor '" + key + "' has " + numel
                    + " elements, more than one Java array can hold");
        }
    }

    @Override
    public final void close() {
        if (!closed) {
            closed = true;
            closeQuietly(handle);
        }
    }

    @Override
    public String toString() {
        return "StateDict(" + file + ", " + index.size() + " tensors)";
    }

    /** {@code read(handle)}: the state dict a reader builds on a file it opened, closing the file if that fails. */
    static <H extends Closeable, S> S closingOnFailure(H handle, Function<H, S> read) {
        try {
            return read.apply(handle);
        } catch (RuntimeException e) {
            closeQuietly(handle);
            throw e;
        }
    }

    private static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // the file is being given up: nothing useful to do
        }
    }
}
