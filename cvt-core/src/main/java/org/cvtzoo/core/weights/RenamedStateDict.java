package org.cvtzoo.core.weights;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import org.nd4j.linalg.api.ndarray.INDArray;

/** {@link StateDict#renamed}: new names over the same lazy tensors. */
final class RenamedStateDict implements StateDict {
    private final StateDict base;
    /** new name -> base key, in the base's order */
    private final Map<String, String> toBase = new LinkedHashMap<>();

    RenamedStateDict(StateDict base, Function<String, String> rename) {
        this.base = Objects.requireNonNull(base, "base");
        Objects.requireNonNull(rename, "rename");
        for (String key : base.keys()) {
            String newName = rename.apply(key);
            if (newName == null) {
                continue;
            }
            String previous = toBase.putIfAbsent(newName, key);
            if (previous != null) {
                throw new CheckpointException(base.source() + ": renaming maps both '" + previous
                        + "' and '" + key + "' to '" + newName + "'");
            }
        }
    }

    @Override
    public Path source() {
        return base.source();
    }

    @Override
    public Set<String> keys() {
        return Collections.unmodifiableSet(toBase.keySet());
    }

    @Override
    public TensorInfo info(String key) {
        return base.info(baseKey(key)).withName(key);
    }

    @Override
    public INDArray get(String key) {
        return base.get(baseKey(key));
    }

    private String baseKey(String key) {
        String k = toBase.get(key);
        if (k == null) {
            throw StateDicts.noSuchKey(source(), key, toBase.keySet());
        }
        return k;
    }

    @Override
    public void close() {
        base.close();
    }

    @Override
    public String toString() {
        return "StateDict(" + source() + ", " + toBase.size() + " tensors, renamed)";
    }
}
