package org.cvtzoo.core.weights;

import static org.cvtzoo.core.weights.Expected.assertFails;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.cvtzoo.core.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * .safetensors files laid out by hand after the format's spec: an 8-byte little-endian header
 * length, the JSON header, the data; offsets count from the end of the header.
 */
class SafetensorsHeaderTest {
    @TempDir
    Path tmp;

    private Path file(long headerLength, String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(headerLength).put(h);
        for (int i = 0; i < dataBytes; i++) {
            b.put((byte) (i + 1));
        }
        return Files.write(tmp.resolve("w" + System.nanoTime() + ".safetensors"), b.array());
    }

    private Path file(String header, int dataBytes) throws IOException {
        return file(header.getBytes(StandardCharsets.UTF_8).length, header, dataBytes);
    }

    /** The reader itself refuses the file (some of these, not starting with a JSON object, Checkpoints.detect would not pass to it). */
    private void assertRefused(Path p, String message) {
        assertFails(() -> SafetensorsStateDict.open(p), p + ": " + message);
    }

    @Test
    void theSmallestFileHoldsNoTensors() throws IOException {
        try (StateDict sd = Checkpoints.open(file("{}", 0))) {
            assertEquals(0, sd.size());
        }
    }

    @Test
    void headerLengthsThatCannotBe() throws IOException {
        Path seven = Files.write(tmp.resolve("seven.safetensors"), new byte[7]);
        assertRefused(seven, "too short for a safetensors file (7 bytes)");
        String impossible = " is impossible for a file of %d bytes (corrupt or truncated safetensors header)";
        assertRefused(file(0, "", 0), "header length 0" + impossible.formatted(8));
        assertRefused(file(1, "{}", 0), "header length 1" + impossible.formatted(10));
        assertRefused(file(3, "{}", 0), "header length 3" + impossible.formatted(10));
        assertRefused(file(-1, "{}", 0), "header length 18446744073709551615" + impossible.formatted(10));
    }

    @Test
    void theFormatsLimitOnTheHeader() throws IOException {
        // sparse files just over 100 MB: a header length past the limit, and one at it (zeros: not JSON)
        long limit = SafetensorsStateDict.MAX_HEADER_BYTES;
        Path over = file(limit + 1, "{}", 0);
        Path at = file(limit, "{}", 0);
        for (Path p : List.of(over, at)) {
            try (FileChannel c = FileChannel.open(p, StandardOpenOption.WRITE)) {
                c.write(ByteBuffer.wrap(new byte[] {' '}), 8 + limit + 1);
            }
        }
        assertRefused(over, "header length 100000001 exceeds the safetensors limit of 100000000 bytes");
        assertRefused(at, "safetensors header is not valid JSON");
    }

    @Test
    void headersThatAreNotAnIndexOfTensors() throws IOException {
        String w = "header entry for tensor 'w'";
        String[][] cases = {
            {"[1]", "safetensors header is not a JSON object"},
            {"null", "safetensors header is not a JSON object"},
            {"{\"w\": 1, \"w\": 2}", "safetensors header is not valid JSON (Duplicate field 'w')"},
            {"{} {}", "safetensors header is not valid JSON"},
            {"{\"w\": 1}", w + " is not a JSON object"},
            {"{\"w\": {\"shape\": [1], \"data_offsets\": [0, 4]}}", w + " has no dtype string"},
            {"{\"w\": {\"dtype\": 1, \"shape\": [1], \"data_offsets\": [0, 4]}}", w + " has no dtype string"},
            {"{\"w\": {\"dtype\": \"F32\", \"data_offsets\": [0, 4]}}", w + " has no shape array"},
            {"{\"w\": {\"dtype\": \"F32\", \"shape\": 1, \"data_offsets\": [0, 4]}}", w + " has no shape array"},
            {"{\"w\": {\"dtype\": \"F32\", \"shape\": [1]}}", w + " has no valid data_offsets [begin, end]"},
            {"{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": 4}}", w + " has no valid data_offsets [begin, end]"},
            {"{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4, 8]}}", w + " has no valid data_offsets [begin, end]"},
            {"{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [-4, 0]}}", w + " has no valid data_offsets [begin, end]"},
            {"{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, -4]}}", w + " has no valid data_offsets [begin, end]"},
            {"{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4.0]}}", w + " has no valid data_offsets [begin, end]"},
            {"{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 1e30]}}", w + " has no valid data_offsets [begin, end]"},
            {"{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 99999999999999999999]}}",
                w + " has no valid data_offsets [begin, end]"},
            {"{\"w\": {\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": [0, 4]}}", w + " has a bad shape [-1]"},
            {"{\"w\": {\"dtype\": \"F32\", \"shape\": [\"1\"], \"data_offsets\": [0, 4]}}", w + " has a bad shape [\"1\"]"},
            {"{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [8, 4]}}", w + " has data_offsets [8, 4] that run backwards"},
            {"{\"w\": {\"dtype\": \"F32\", \"shape\": [1099511627776, 1099511627776], \"data_offsets\": [0, 4]}}",
                w + " has an absurd shape"},
            {"{\"w\": {\"dtype\": \"F32\", \"shape\": [], \"data_offsets\": [0, 8]}}",
                "tensor 'w' has shape scalar of F32 (4 bytes) but its data_offsets span 8 bytes"},
            {"{\"w\": {\"dtype\": \"I16\", \"shape\": [2, 3], \"data_offsets\": [0, 8]}}",
                "tensor 'w' has shape 2x3 of I16 (12 bytes) but its data_offsets span 8 bytes"},
        };
        for (String[] c : cases) {
            assertRefused(file(c[0], 16), c[1]);
        }
        // an unsupported dtype's size is not checked (its element size is unknown): listed, refused on read
        try (StateDict sd = Checkpoints.open(file("{\"w\": {\"dtype\": \"F8_E5M2\", \"shape\": [3], \"data_offsets\": [0, 16]}}", 16))) {
            assertEquals("F8_E5M2", sd.info("w").dtype());
        }
    }

    @Test
    void tensorsMustEndInsideTheFile() throws IOException {
        String header = "{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [8, 16]}}";
        Path fits = file(header, 16);
        try (StateDict sd = Checkpoints.open(fits)) {
            // bytes 9..16 of the data, little-endian
            assertArrayEquals(new float[] {Float.intBitsToFloat(0x0c0b0a09), Float.intBitsToFloat(0x100f0e0d)},
                    sd.get("w").toFloatVector());
        }
        Path cut = file(header, 15);
        long headerBytes = header.length();
        assertRefused(cut, "header says tensor 'w' ends at byte " + (8 + headerBytes + 16) + " but the file has "
                + (8 + headerBytes + 15) + " bytes (truncated or corrupt)");
    }

    @Test
    void metadataValuesAreText() throws IOException {
        try (StateDict sd = Checkpoints.open(file("{\"__metadata__\": {\"format\": \"pt\", \"step\": 3}}", 0))) {
            assertEquals(Map.of("format", "pt", "step", "3"), sd.metadata());
            assertEquals(0, sd.size());
        }
    }

    @Test
    void aFileCutWhileOpenIsReportedOnRead() throws IOException {
        String header = "{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}}";
        Path p = file(header, 8);
        try (StateDict sd = Checkpoints.open(p)) {
            try (FileChannel c = FileChannel.open(p, StandardOpenOption.WRITE)) {
                c.truncate(8 + header.length() + 4);
            }
            assertFails(() -> sd.get("w"), p + ": data of tensor 'w' is truncated (data ends after 4 of 8 bytes)");
        }
    }

    @Test
    void aLargeFileCutWhileOpenIsReportedWhereItEnds() throws IOException {
        Path p = tmp.resolve("big.safetensors");
        SafetensorsWriter.write(p, Map.of("a", Nd4j.arange(300_000).castTo(DataType.FLOAT)), Map.of());
        long dataStart = Files.size(p) - 1_200_000;
        try (StateDict sd = Checkpoints.open(p)) {
            try (FileChannel c = FileChannel.open(p, StandardOpenOption.WRITE)) {
                c.truncate(dataStart + 1_100_000); // past the first 1 MiB chunk
            }
            assertFails(() -> sd.get("a"), p + ": data of tensor 'a' is truncated (data ends after 1100000 of 1200000 bytes)");
        }
    }

    @Test
    void aTensorTooLargeForOneArray() throws IOException {
        // 2^31 one-byte elements: a sparse file of 2 GiB
        long n = 1L << 31;
        Path p = file("{\"w\": {\"dtype\": \"U8\", \"shape\": [" + n + "], \"data_offsets\": [0, " + n + "]}}", 0);
        try (FileChannel c = FileChannel.open(p, StandardOpenOption.WRITE)) {
            c.write(ByteBuffer.wrap(new byte[] {1}), c.size() + n - 1);
        }
        try (StateDict sd = Checkpoints.open(p)) {
            assertFails(() -> sd.get("w"), p + ": tensor 'w' has 2147483648 elements, more than one Java array can hold");
        }
    }

    @Test
    void largeTensorsAreReadInChunks() {
        // more than one 1 MiB read chunk
        INDArray a = Nd4j.arange(300_000).castTo(DataType.FLOAT).reshape(100_000, 3);
        Path p = tmp.resolve("big.safetensors");
        SafetensorsWriter.write(p, Map.of("a", a), Map.of());
        try (StateDict sd = Checkpoints.open(p)) {
            assertEquals(a, sd.get("a"));
        }
    }

    /** How many of this process's open files are {@code file} (Linux's /proc/self/fd). */
    private static long openHandles(Path file) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).equals(file.toAbsolutePath());
                } catch (IOException | UnsupportedOperationException e) {
                    return false; // closed meanwhile, or not a link
                }
            }).count();
        }
    }

    @Test
    void readersCloseTheirFileOnCloseAndOnFailure() throws IOException {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "needs Linux's /proc");
        for (Path good : List.of(Files.copy(Fixtures.WEIGHTS.path("dtypes.safetensors"), tmp.resolve("a.safetensors")),
                Files.copy(Fixtures.WEIGHTS.path("bare.pth"), tmp.resolve("b.pth")))) {
            StateDict sd = Checkpoints.open(good);
            assertEquals(1, openHandles(good), good.toString());
            sd.close();
            assertEquals(0, openHandles(good), good.toString());
        }
        for (Path bad : List.of(Files.copy(Fixtures.WEIGHTS.path("bad_json.safetensors"), tmp.resolve("c.safetensors")),
                Files.copy(Fixtures.WEIGHTS.path("zip_without_pkl.pth"), tmp.resolve("d.pth")))) {
            assertFails(() -> Checkpoints.open(bad), bad.toString());
            assertEquals(0, openHandles(bad), bad.toString());
        }
    }
}
