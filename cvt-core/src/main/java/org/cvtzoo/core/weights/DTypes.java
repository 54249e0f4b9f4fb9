package org.cvtzoo.core.weights;

import java.nio.ByteBuffer;

/**
 * Element types of checkpoint tensors and their conversion to float32.
 *
 * <p>Names follow the safetensors spelling: {@code F32 F16 BF16 F64 I64 I32 I16 I8 U8 BOOL} are
 * supported; any other name is carried along in {@link TensorInfo} but refused when read.
 */
public final class DTypes {
    private DTypes() {
    }

    public static boolean isSupported(String dtype) {
        return elementSizeOrZero(dtype) != 0;
    }

    /**
     * Bytes per element of a supported dtype.
     *
     * @throws IllegalArgumentException for an unsupported dtype
     */
    public static int elementSize(String dtype) {
        int n = elementSizeOrZero(dtype);
        if (n == 0) {
            throw new IllegalArgumentException("unsupported dtype " + dtype);
        }
        return n;
    }

    static int elementSizeOrZero(String dtype) {
        switch (dtype) {
            case "F64":
            case "I64":
                return 8;
            case "F32":
            case "I32":
                return 4;
            case "F16":
            case "BF16":
            case "I16":
                return 2;
            case "I8":
            case "U8":
            case "BOOL":
                return 1;
            default:
                return 0;
        }
    }

    /** numpy's name of a supported dtype (for messages): float32, int64, ... */
    static String numpyName(String dtype) {
        switch (dtype) {
            case "F64": return "float64";
            case "F32": return "float32";
            case "F16": return "float16";
            case "BF16": return "bfloat16";
            case "I64": return "int64";
            case "I32": return "int32";
            case "I16": return "int16";
            case "I8": return "int8";
            case "U8": return "uint8";
            case "BOOL": return "bool";
            default: return dtype;
        }
    }

    /** IEEE 754 binary16 bits to float (exact: every half value is a float value). */
    public static float halfToFloat(short half) {
        int bits = half & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0x1f) {
            // infinity (mantissa 0) or NaN (payload kept)
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            // zero or subnormal: mantissa * 2^-24
            float magnitude = mantissa * 0x1p-24f;
            return sign != 0 ? -magnitude : magnitude;
        }
        // normal: rebias 15 -> 127
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    /** bfloat16 bits to float (exact: bfloat16 is the top half of a float). */
    public static float bfloat16ToFloat(short bf16) {
        return Float.intBitsToFloat((bf16 & 0xffff) << 16);
    }

    /**
     * Decodes {@code count} elements of {@code dtype} from {@code src} (whose byte order is used)
     * into {@code dst[offset..offset+count)}, advancing {@code src}'s position.
     */
    static void decode(String dtype, ByteBuffer src, float[] dst, int offset, int count) {
        int end = offset + count;
        switch (dtype) {
            case "F32":
                src.asFloatBuffer().get(dst, offset, count);
                src.position(src.position() + 4 * count);
                break;
            case "F16":
                for (int i = offset; i < end; i++) {
                    dst[i] = halfToFloat(src.getShort());
                }
                break;
            case "BF16":
                for (int i = offset; i < end; i++) {
                    dst[i] = bfloat16ToFloat(src.getShort());
                }
                break;
            case "F64":
                for (int i = offset; i < end; i++) {
                    dst[i] = (float) src.getDouble();
                }
                break;
            case "I64":
                for (int i = offset; i < end; i++) {
                    dst[i] = (float) src.getLong();
                }
                break;
            case "I32":
                for (int i = offset; i < end; i++) {
                    dst[i] = (float) src.getInt();
                }
                break;
            case "I16":
                for (int i = offset; i < end; i++) {
                    dst[i] = src.getShort();
                }
                break;
            case "I8":
                for (int i = offset; i < end; i++) {
                    dst[i] = src.get();
                }
                break;
            case "U8":
                for (int i = offset; i < end; i++) {
                    dst[i] = src.get() & 0xff;
                }
                break;
            case "BOOL":
                for (int i = offset; i < end; i++) {
                    dst[i] = src.get() != 0 ? 1f : 0f;
                }
                break;
            default:
                throw new IllegalArgumentException("unsupported dtype " + dtype);
        }
    }
}
