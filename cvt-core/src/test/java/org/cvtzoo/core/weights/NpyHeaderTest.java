package org.cvtzoo.core.weights;

import static org.cvtzoo.core.weights.Expected.assertFails;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * .npy files laid out by hand after numpy's format spec (NEP 1): magic {@code \x93NUMPY}, major and
 * minor version, the header's length (2 bytes little-endian in version 1, 4 in versions 2 and
 * 3), the header (a Python dict literal; latin-1, UTF-8 in version 3), then the data.
 */
class NpyHeaderTest {
    @TempDir
    Path tmp;

    private Path npy(int major, String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(12 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        if (major == 1) {
            b.putShort((short) h.length);
        } else {
            b.putInt(h.length);
        }
        b.put(h).put(data);
        return raw(Arrays.copyOf(b.array(), b.position()));
    }

    private Path raw(byte[] bytes) throws IOException {
        return Files.write(tmp.resolve("a" + System.nanoTime() + ".npy"), bytes);
    }

    private static String dict(String descr, String shape) {
        return "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
    }

    private static byte[] le(int elementSize, long... values) {
        ByteBuffer b = ByteBuffer.allocate(elementSize * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            switch (elementSize) {
                case 1 -> b.put((byte) v);
                case 2 -> b.putShort((short) v);
                case 4 -> b.putInt((int) v);
                default -> b.putLong(v);
            }
        }
        return b.array();
    }

    private void assertReads(float[] expected, Path p) {
        assertEquals(Nd4j.createFromArray(expected), Npy.read(p));
    }

    @Test
    void everyDtypeCode() throws IOException {
        assertReads(new float[] {-1, 2}, npy(1, dict("|i1", "(2,)"), le(1, -1, 2)));
        assertReads(new float[] {-300, 5}, npy(1, dict("<i2", "(2,)"), le(2, -300, 5)));
        assertReads(new float[] {1, 0, 1}, npy(1, dict("|b1", "(3,)"), le(1, 1, 0, 1)));
        assertReads(new float[] {255, 7}, npy(1, dict("|u1", "(2,)"), le(1, 255, 7)));
        assertReads(new float[] {1f, -2.5f}, npy(1, dict("<f2", "(2,)"), le(2, 15360, 49408)));
        assertReads(new float[] {0.5f}, npy(1, dict(">f4", "(1,)"),
                ByteBuffer.allocate(4).order(ByteOrder.BIG_ENDIAN).putFloat(0.5f).array()));
        byte[] nativeF4 = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putFloat(0.25f).array();
        assertReads(new float[] {0.25f}, npy(1, dict("=f4", "(1,)"), nativeF4));
        assertFails(() -> Npy.read(npy(1, dict("f4", "(1,)"), nativeF4)), "unsupported dtype 'f4' (supported: "
                + "float16/32/64, int8/16/32/64, uint8, bool)");
        assertFails(() -> Npy.read(npy(1, dict("", "(1,)"), nativeF4)), "unsupported dtype ''");
        assertFails(() -> Npy.read(npy(1, dict("<u2", "(1,)"), nativeF4)), "unsupported dtype '<u2'");
    }

    @Test
    void headersAsPythonWritesThemInAnySpacing() throws IOException {
        byte[] two = le(4, Float.floatToIntBits(1f), Float.floatToIntBits(2f));
        for (String header : new String[] {
            "{ 'descr' : '<f4' , 'fortran_order' : False , 'shape' : ( 2 , ) , }  \n",
            "{\"descr\":\"<f4\",\"fortran_order\":False,\"shape\":(2,)}",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2L,), }",   // Python 2's longs
            "{'descr': '<f4', 'fortran_order': False, 'shape': [2]}",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': None}",
        }) {
            assertReads(new float[] {1, 2}, npy(1, header, two));
        }
        // Fortran order: 2 x 3 stored column by column
        Path f = npy(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }",
                le(4, Arrays.stream(new int[] {1, 4, 2, 5, 3, 6}).mapToLong(v -> Float.floatToIntBits(v)).toArray()));
        assertEquals(Nd4j.createFromArray(new float[][] {{1, 2, 3}, {4, 5, 6}}), Npy.read(f));
    }

    @Test
    void malformedHeadersSayWhatIsWrong() throws IOException {
        String[][] cases = {
            {"{'descr': '<f4'", "malformed .npy header (expected , or } at 15): {'descr': '<f4'"},
            {"{'descr: 1}", "malformed .npy header (unterminated string): {'descr: 1}"},
            {"{'descr': x}", "malformed .npy header (unexpected 'x' at 10): {'descr': x}"},
            {"{'a' 1}", "malformed .npy header (expected : at 5): {'a' 1}"},
            {"{'a': (1 2)}", "malformed .npy header (expected , or ) at 9): {'a': (1 2)}"},
            {"{} x", "malformed .npy header (unexpected text at 3): {} x"},
            {"{'a': True", "malformed .npy header (expected , or } at 10): {'a': True"},
            {"   ", "malformed .npy header (unexpected end): "},
            {"[1]", ".npy header is not a dict: [1]"},
            {"{'fortran_order': False, 'shape': ()}", "unsupported dtype null (structured or missing dtype)"},
            {"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': ()}", "unsupported dtype [[a, <f4]]"},
            {"{'descr': '<f4', 'fortran_order': None, 'shape': ()}",
                ".npy header has no fortran_order: {'descr': '<f4', 'fortran_order': None, 'shape': ()}"},
            {"{'descr': '<f4', 'fortran_order': False}", ".npy header has no shape tuple: {'descr': '<f4', 'fortran_order': False}"},
            {dict("<f4", "(-1,)"), "bad shape in .npy header: [-1]"},
            {dict("<f4", "('a',)"), "bad shape in .npy header: [a]"},
            {dict("<f4", "(4611686018427387904, 4)"), "absurd shape in .npy header: [4611686018427387904, 4]"},
        };
        for (String[] c : cases) {
            Path p = npy(1, c[0], new byte[0]);
            assertFails(() -> Npy.read(p), p + ": " + c[1]);
        }
    }

    @Test
    void versionsAndTheirHeaderLengths() throws IOException {
        byte[] one = le(4, Float.floatToIntBits(3f));
        assertReads(new float[] {3}, npy(2, dict("<f4", "(1,)"), one));
        assertReads(new float[] {3}, npy(3, dict("<f4", "(1,)"), one));
        // version 3 headers are UTF-8, older ones latin-1
        assertFails(() -> Npy.read(npy(3, dict("<\u00e9", "(1,)"), one)), "unsupported dtype '<\u00e9'");
        assertFails(() -> Npy.read(npy(1, dict("<\u00e9", "(1,)"), one)), "unsupported dtype '<\u00e9'");
        assertFails(() -> Npy.read(npy(2, dict("<\u00e9", "(1,)"), one)), "unsupported dtype '<\u00e9'");
        Path v4 = raw(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 4, 0, 0, 0, 0, 0});
        assertFails(() -> Npy.read(v4), v4 + ": unsupported .npy format version 4.0");
        Path v41 = raw(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 4, 1, 0, 0, 0, 0});
        assertFails(() -> Npy.read(v41), v41 + ": unsupported .npy format version 4.1");
    }

    @Test
    void cutFilesAndImplausibleLengths() throws IOException {
        byte[] magic = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
        Path p5 = raw(Arrays.copyOf(magic, 5));
        assertFails(() -> Npy.read(p5), p5 + ": not a .npy file (bad magic)");
        Path p9 = raw(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0});
        assertFails(() -> Npy.read(p9), p9 + ": truncated .npy header");
        Path p10 = raw(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0, 0});
        assertFails(() -> Npy.read(p10), p10 + ": malformed .npy header (unexpected end): ");
        Path v2cut = raw(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0, 0, 0, 0});
        assertFails(() -> Npy.read(v2cut), v2cut + ": truncated .npy header");
        Path says100 = raw(ByteBuffer.allocate(30).order(ByteOrder.LITTLE_ENDIAN).put(magic).put((byte) 1).put((byte) 0)
                .putShort((short) 100).array());
        assertFails(() -> Npy.read(says100), says100 + ": truncated .npy header (header says 100 bytes, 20 follow)");
        Path atLimit = raw(ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN).put(magic).put((byte) 2).put((byte) 0)
                .putInt(1 << 20).array());
        assertFails(() -> Npy.read(atLimit), atLimit + ": truncated .npy header (header says 1048576 bytes, 8 follow)");
        Path over = raw(ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN).put(magic).put((byte) 2).put((byte) 0)
                .putInt((1 << 20) + 1).array());
        assertFails(() -> Npy.read(over), over + ": implausible .npy header length 1048577");
        Path v1max = raw(ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN).put(magic).put((byte) 1).put((byte) 0)
                .putShort((short) 0xffff).array());
        assertFails(() -> Npy.read(v1max), v1max + ": truncated .npy header (header says 65535 bytes, 10 follow)");
        Path data = npy(1, dict("<f4", "(3,)"), new byte[11]);
        assertFails(() -> Npy.read(data), data + ": truncated: header says 3 float32 (12 bytes of data) but 11 bytes follow");
    }

    @Test
    void largeArraysAreReadAndWrittenInChunks() {
        // more than one 1 MiB read chunk and one 2^18-float write chunk
        INDArray a = Nd4j.arange(300_000).castTo(DataType.FLOAT).reshape(3, 100_000);
        Path p = tmp.resolve("big.npy");
        Npy.write(p, a);
        assertEquals(a, Npy.read(p));
    }

    @Test
    void headersAreNumpysByteForByte() throws IOException {
        // np.save of np.zeros((1,) * 20 + (10,), np.float32): the dict plus newline fills 128 bytes exactly,
        // so numpy pads it with 64 spaces more (header length 182, data at 192)
        long[] shape = new long[21];
        Arrays.fill(shape, 1);
        shape[20] = 10;
        byte[] h = Npy.header(shape);
        assertEquals(192, h.length);
        assertArrayEquals(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) 182, 0}, Arrays.copyOf(h, 10));
        String dict = new String(h, 10, 182, StandardCharsets.ISO_8859_1);
        assertEquals("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,"
                + " 1, 1, 1, 10), }" + " ".repeat(64) + "\n", dict);
        assertEquals(128, Npy.header(new long[] {2, 3}).length);
    }
}
