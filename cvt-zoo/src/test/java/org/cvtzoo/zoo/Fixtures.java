package org.cvtzoo.zoo;

import org.cvtzoo.core.weights.Npy;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;

/** Reference fixtures made by shared/reference (gen.py, and make_extra.py beside them). */
public final class Fixtures {
    private Fixtures() {
    }

    public static Path dir(String name) {
        URL url = Fixtures.class.getResource("/fixtures/" + name);
        if (url == null) throw new IllegalStateException("missing test fixture " + name);
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static INDArray npy(String name, String file) {
        return Npy.read(dir(name).resolve(file));
    }

    /** compare.py's measure: {@code max|got - ref| / max(1, max|ref|)}, in double precision. */
    public static double relativeError(INDArray got, INDArray ref) {
        INDArray g = got.castTo(DataType.DOUBLE).reshape(ref.shape());
        INDArray r = ref.castTo(DataType.DOUBLE);
        double scale = Math.max(1.0, Transforms.abs(r).maxNumber().doubleValue());
        return Transforms.abs(g.sub(r)).maxNumber().doubleValue() / scale;
    }
}
