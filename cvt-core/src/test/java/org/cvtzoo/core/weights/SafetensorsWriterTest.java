package org.cvtzoo.core.weights;

import static org.cvtzoo.core.weights.Expected.assertFails;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The .safetensors writer, byte for byte against the format's layout, and read back. */
class SafetensorsWriterTest {
    @TempDir
    Path tmp;

    /** An 8-byte little-endian length, the JSON header padded with spaces to a multiple of 8, then the data. */
    private static byte[] file(String header, float[] floats, long... longs) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        int padded = (h.length + 7) / 8 * 8;
        ByteBuffer b = ByteBuffer.allocate(8 + padded + 4 * floats.length + 8 * longs.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(padded).put(h);
        for (int i = h.length; i < padded; i++) b.put((byte) ' ');
        for (float f : floats) b.putFloat(f);
        for (long l : longs) b.putLong(l);
        return b.array();
    }

    @Test
    void writesTheLayoutSafetensorsReads() throws IOException {
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        tensors.put("a", Nd4j.createFromArray(1f, -2f));
        // a double, transposed view: written as float32 in C order of its own shape [2, 3]
        tensors.put("m", Nd4j.createFromArray(new double[][] {{1, 2}, {3, 4}, {5, 6}}).transpose());
        Map<String, Long> scalars = new LinkedHashMap<>();
        scalars.put("n", 7L);
        scalars.put("big", -1L << 40);
        Path f = tmp.resolve("w.safetensors");
        SafetensorsWriter.write(f, tensors, scalars, Map.of("format", "pt"));
        String header = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"m\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[8,32]},"
                + "\"n\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[32,40]},"
                + "\"big\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[40,48]}}";
        assertEquals(251, header.length()); // padded with 5 spaces
        assertArrayEquals(file(header, new float[] {1, -2, 1, 3, 5, 2, 4, 6}, 7L, -1L << 40), Files.readAllBytes(f));
        try (StateDict sd = Checkpoints.open(f)) {
            assertEquals(List.of("a", "m", "n", "big"), List.copyOf(sd.keys()));
            assertEquals(Map.of("format", "pt"), sd.metadata());
            assertEquals(Nd4j.createFromArray(new float[][] {{1, 3, 5}, {2, 4, 6}}), sd.get("m"));
            assertEquals(7f, sd.get("n").getFloat(0));
        }
    }

    @Test
    void withoutMetadataOrScalarsAndAHeaderThatNeedsNoPadding() throws IOException {
        Path f = tmp.resolve("w.safetensors");
        String header = "{\"abc\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
        assertEquals(0, header.length() % 8);
        SafetensorsWriter.write(f, Map.of("abc", Nd4j.createFromArray(0.5f)), null);
        assertArrayEquals(file(header, new float[] {0.5f}), Files.readAllBytes(f));
        SafetensorsWriter.write(f, Map.of("abc", Nd4j.createFromArray(0.5f)), Map.of());
        assertArrayEquals(file(header, new float[] {0.5f}), Files.readAllBytes(f));
        try (StateDict sd = Checkpoints.open(f)) {
            assertEquals(Map.of(), sd.metadata());
        }
    }

    @Test
    void emptyAndScalarTensors() throws IOException {
        Path f = tmp.resolve("w.safetensors");
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        tensors.put("e", Nd4j.create(DataType.FLOAT, 0, 3));
        tensors.put("s", Nd4j.scalar(2.5f));
        SafetensorsWriter.write(f, tensors, Map.of());
        String header = "{\"e\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[0,0]},"
                + "\"s\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}";
        assertArrayEquals(file(header, new float[] {2.5f}), Files.readAllBytes(f));
    }

    @Test
    void aFileThatCannotBeWrittenIsACheckpointError() {
        Path nowhere = tmp.resolve("missing").resolve("w.safetensors");
        assertFails(() -> SafetensorsWriter.write(nowhere, Map.of("a", Nd4j.createFromArray(1f)), Map.of()),
                nowhere + ": cannot write .safetensors");
        assertFalse(Files.exists(nowhere.getParent()));
    }
}
