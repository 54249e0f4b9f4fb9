package org.cvtzoo.core.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class DTypesTest {

    /** Every half bit pattern against the definition (-1)^s * 2^(e-15) * (1 + m/1024). */
    @Test
    void halfToFloatMatchesTheDefinitionForAllBitPatterns() {
        for (int bits = 0; bits < 0x10000; bits++) {
            int s = bits >>> 15;
            int e = (bits >>> 10) & 0x1f;
            int m = bits & 0x3ff;
            float got = DTypes.halfToFloat((short) bits);
            if (e == 0x1f) {
                if (m == 0) {
                    assertEquals(s == 0 ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY, got);
                } else {
                    assertTrue(Float.isNaN(got), Integer.toHexString(bits));
                }
                continue;
            }
            double magnitude = e == 0 ? Math.scalb((double) m, -24)
                    : Math.scalb(1.0 + m / 1024.0, e - 15);
            double want = s == 1 ? -magnitude : magnitude;
            assertEquals(Float.floatToIntBits((float) want), Float.floatToIntBits(got),
                    Integer.toHexString(bits));
        }
    }

    @Test
    void bfloat16IsTheTopHalfOfAFloat() {
        for (float f : new float[] {1f, -2.5f, 0f, -0f, Float.POSITIVE_INFINITY, 3.0e38f, 1e-40f}) {
            int bits = Float.floatToIntBits(f);
            if ((bits & 0xffff) == 0) {
                assertEquals(Float.floatToIntBits(f),
                        Float.floatToIntBits(DTypes.bfloat16ToFloat((short) (bits >>> 16))));
            }
        }
        assertTrue(Float.isNaN(DTypes.bfloat16ToFloat((short) 0x7fc0)));
    }

    @Test
    void decodeHonoursByteOrder() {
        ByteBuffer le = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        le.putLong(-5L).putDouble(0.5).flip();
        float[] out = new float[2];
        DTypes.decode("I64", le, out, 0, 1);
        DTypes.decode("F64", le, out, 1, 1);
        assertEquals(-5f, out[0]);
        assertEquals(0.5f, out[1]);
        ByteBuffer be = ByteBuffer.allocate(4).order(ByteOrder.BIG_ENDIAN).putFloat(1.75f).flip();
        DTypes.decode("F32", be, out, 0, 1);
        assertEquals(1.75f, out[0]);
        assertEquals(8, DTypes.elementSize("I64"));
        assertFalse(DTypes.isSupported("C64"));
    }

    @Test
    void decodeAdvancesTheSourcePastWhatItRead() {
        for (String dtype : new String[] {"F32", "F16", "BF16", "F64", "I64", "I32", "I16", "I8", "U8", "BOOL"}) {
            ByteBuffer src = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
            src.position(8);
            DTypes.decode(dtype, src, new float[5], 1, 3);
            assertEquals(8 + 3 * DTypes.elementSize(dtype), src.position(), dtype);
        }
    }

    @Test
    void numpysNamesForMessages() {
        String[][] names = {{"F64", "float64"}, {"F32", "float32"}, {"F16", "float16"}, {"BF16", "bfloat16"},
            {"I64", "int64"}, {"I32", "int32"}, {"I16", "int16"}, {"I8", "int8"}, {"U8", "uint8"}, {"BOOL", "bool"},
            {"C64", "C64"}};
        for (String[] n : names) {
            assertEquals(n[1], DTypes.numpyName(n[0]));
        }
    }
}
