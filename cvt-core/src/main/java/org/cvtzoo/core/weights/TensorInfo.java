package org.cvtzoo.core.weights;

import java.util.Arrays;
import java.util.Objects;

/**
 * What a checkpoint says about one tensor, without reading its data.
 *
 * @param name  the key under which the tensor is stored (after any renaming)
 * @param dtype the element type as the file names it: {@code F32 F16 BF16 F64 I64 I32 I16 I8 U8 BOOL}
 *              for the supported types, anything else (e.g. {@code C64}, {@code F8_E4M3}) for the
 *              types that {@link StateDict#get} refuses
 * @param shape the shape in PyTorch order; {@code long[0]} for a scalar
 */
public record TensorInfo(String name, String dtype, long[] shape) {

    public TensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        shape = Objects.requireNonNull(shape, "shape").clone();
    }

    /** A copy of the shape. */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    /** Number of elements (1 for a scalar, 0 if any dimension is 0). */
    public long numel() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** Whether {@link StateDict#get} can convert this tensor's dtype to float32. */
    public boolean isSupportedDtype() {
        return DTypes.isSupported(dtype);
    }

    public TensorInfo withName(String newName) {
        return new TensorInfo(newName, dtype, shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && name.equals(t.name) && dtype.equals(t.dtype)
                && Arrays.equals(shape, t.shape);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape));
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape);
    }
}
