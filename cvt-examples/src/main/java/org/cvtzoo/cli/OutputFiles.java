package org.cvtzoo.cli;

import org.cvtzoo.core.weights.Npy;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Writes a command's outputs all or nothing: each atomically, and earlier ones removed if a later one fails. */
final class OutputFiles {
    private OutputFiles() {
    }

    static void writeAll(Map<Path, INDArray> outputs) {
        List<Path> written = new ArrayList<>();
        try {
            for (Map.Entry<Path, INDArray> e : outputs.entrySet()) {
                Npy.write(e.getKey(), e.getValue());
                written.add(e.getKey());
            }
        } catch (RuntimeException e) {
            for (Path p : written) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort: the original error is what the user needs to see
                }
            }
            throw e;
        }
    }
}
