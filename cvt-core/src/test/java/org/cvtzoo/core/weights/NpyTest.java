package org.cvtzoo.core.weights;

import static org.cvtzoo.core.Fixtures.WEIGHTS;
import static org.cvtzoo.core.weights.Expected.assertArray;
import static org.cvtzoo.core.weights.Expected.assertFails;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class NpyTest {

    @Test
    void readsWhatNumpyWrote() {
        JsonNode npy = Expected.expected("npy");
        int n = 0;
        for (Iterator<String> it = npy.fieldNames(); it.hasNext(); n++) {
            String name = it.next();
            JsonNode t = npy.get(name);
            Path p = WEIGHTS.path(name);
            assertArrayEquals(Expected.shape(t), Npy.readShape(p), name);
            assertEquals(t.get("dtype").asText(), Npy.readHeader(p).descr(), name);
            assertArray(t, Npy.read(p), name);
        }
        assertEquals(13, n);
        assertTrue(Npy.readHeader(WEIGHTS.path("fortran.npy")).fortranOrder());
    }

    @Test
    void badMagic() {
        assertFails(() -> Npy.read(WEIGHTS.path("bad_magic.npy")), "bad_magic.npy",
                "not a .npy file (bad magic)");
    }

    @Test
    void truncated() {
        assertFails(() -> Npy.read(WEIGHTS.path("truncated.npy")), "truncated.npy",
                "truncated: header says 2x3x64x64 float32 (98304 bytes of data) but 1000 bytes follow");
        assertFails(() -> Npy.readShape(WEIGHTS.path("truncated.npy")), "truncated.npy", "truncated");
    }

    @Test
    void unsupportedDtype() {
        assertFails(() -> Npy.read(WEIGHTS.path("complex.npy")), "complex.npy", "unsupported dtype '<c8'");
    }

    @Test
    void missingFile(@TempDir Path dir) {
        Path p = dir.resolve("nope.npy");
        assertFails(() -> Npy.read(p), "no such file: " + p);
    }

    @Test
    void writeThenReadRoundTrips(@TempDir Path dir) {
        Nd4j.getRandom().setSeed(7);
        List<INDArray> arrays = List.of(
                Nd4j.rand(DataType.FLOAT, 2, 3, 4, 5),
                Nd4j.rand(DataType.FLOAT, 7),
                Nd4j.scalar(1.25f),
                Nd4j.rand(DataType.FLOAT, 3, 4).transpose(),           // a non-C-order view
                Nd4j.rand(DataType.FLOAT, 6, 6).get(                    // an offset view
                        org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 4),
                        org.nd4j.linalg.indexing.NDArrayIndex.interval(2, 5)),
                Nd4j.rand(DataType.DOUBLE, 2, 2),
                Nd4j.create(DataType.FLOAT, 0, 3));
        int i = 0;
        for (INDArray a : arrays) {
            Path p = dir.resolve("a" + i++ + ".npy");
            Npy.write(p, a);
            INDArray back = Npy.read(p);
            assertEquals(DataType.FLOAT, back.dataType());
            assertArrayEquals(a.shape(), back.shape());
            assertEquals(a.castTo(DataType.FLOAT), back, "array " + i);
        }
    }

    @Test
    void writesTheSameHeaderAsNumpy() throws IOException {
        byte[] numpyFile = Files.readAllBytes(WEIGHTS.path("f32.npy"));
        byte[] ours = Npy.header(new long[] {2, 3, 4});
        assertArrayEquals(Arrays.copyOf(numpyFile, ours.length), ours);
        byte[] numpyScalar = Files.readAllBytes(WEIGHTS.path("scalar.npy"));
        byte[] oursScalar = Npy.header(new long[0]);
        assertArrayEquals(Arrays.copyOf(numpyScalar, oursScalar.length), oursScalar);
    }

    @Test
    void overwritesAtomically(@TempDir Path dir) throws IOException {
        Path p = dir.resolve("x.npy");
        Npy.write(p, Nd4j.ones(DataType.FLOAT, 2, 2));
        Npy.write(p, Nd4j.zeros(DataType.FLOAT, 3));
        assertArrayEquals(new long[] {3}, Npy.readShape(p));
        assertEquals(List.of("x.npy"), list(dir));
    }

    @Test
    void failedWriteLeavesNothingBehind(@TempDir Path dir) throws IOException {
        // the target is a non-empty directory: the final move fails
        Path target = Files.createDirectory(dir.resolve("out.npy"));
        Files.writeString(target.resolve("keep.txt"), "x");
        assertFails(() -> Npy.write(target, Nd4j.ones(DataType.FLOAT, 4)), "out.npy",
                "cannot write");
        assertEquals(List.of("out.npy"), list(dir));
        assertEquals(List.of("keep.txt"), list(target));

        // the directory does not exist
        Path nowhere = dir.resolve("missing").resolve("y.npy");
        assertFails(() -> Npy.write(nowhere, Nd4j.ones(DataType.FLOAT, 4)), "y.npy",
                "cannot write");
        assertFalse(Files.exists(nowhere.getParent()));
    }

    private static List<String> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }
}
