package org.cvtzoo.cli;

import org.cvtzoo.core.weights.Npy;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.Arrays;

/** Checks that a .npy is what the models take: float32 [B, 3, H, W]. */
final class InputArrays {
    private InputArrays() {
    }

    static INDArray readImageBatch(Path file) {
        Npy.Header header = Npy.readHeader(file);
        if (!header.dtype().equals("F32")) {
            throw new Errors.UserError(file + ": dtype " + numpyName(header.dtype()) + " ('" + header.descr()
                    + "'), expected float32 (a preprocessed NCHW batch)");
        }
        INDArray x = Npy.read(file);
        long[] s = x.shape();
        if (x.rank() != 4) {
            throw new Errors.UserError(file + ": shape " + Arrays.toString(s) + " has rank " + x.rank()
                    + ", expected a batch [B, 3, H, W]");
        }
        if (s[1] != 3) {
            throw new Errors.UserError(file + ": shape " + Arrays.toString(s) + " has " + s[1]
                    + " channels, expected 3 (RGB, NCHW order)");
        }
        if (s[0] == 0) throw new Errors.UserError(file + ": the batch is empty");
        return x;
    }

    /** F64 -> float64, I32 -> int32, U8 -> uint8: the names numpy users know. */
    private static String numpyName(String dtype) {
        return dtype.replaceFirst("^F", "float").replaceFirst("^I", "int").replaceFirst("^U", "uint").toLowerCase();
    }
}
