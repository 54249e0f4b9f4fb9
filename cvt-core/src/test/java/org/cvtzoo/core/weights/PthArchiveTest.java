package org.cvtzoo.core.weights;

import static org.cvtzoo.core.weights.Expected.assertFails;
import static org.cvtzoo.core.weights.Pickles.dict;
import static org.cvtzoo.core.weights.Pickles.floats;
import static org.cvtzoo.core.weights.Pickles.integer;
import static org.cvtzoo.core.weights.Pickles.ints;
import static org.cvtzoo.core.weights.Pickles.str;
import static org.cvtzoo.core.weights.Pickles.storage;
import static org.cvtzoo.core.weights.Pickles.tensor;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

/**
 * torch.save archives made by hand: a zip of {@code <archive>/data.pkl} (a pickle laid out by
 * hand, see {@link Pickles}), {@code <archive>/byteorder} and {@code <archive>/data/<key>}, each
 * storage's raw elements; then broken and hostile variants of them.
 */
class PthArchiveTest {
    @TempDir
    Path tmp;

    private static final String W = dict(str("w") + floats("0", 4, 0, 2, 2));

    private static byte[] f32(ByteOrder order, float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(order);
        for (float f : v) {
            b.putFloat(f);
        }
        return b.array();
    }

    private static final byte[] DATA = f32(ByteOrder.LITTLE_ENDIAN, 1.5f, -2f, 3f, 4f);

    /** A zip of these entries (names to contents; a String is a pickle or text, one byte per char). */
    private Path zip(Object... namesAndContents) throws IOException {
        Path p = tmp.resolve("ckpt" + System.nanoTime() + ".pth");
        try (OutputStream f = Files.newOutputStream(p); ZipOutputStream z = new ZipOutputStream(f)) {
            for (int i = 0; i < namesAndContents.length; i += 2) {
                z.putNextEntry(new ZipEntry((String) namesAndContents[i]));
                Object c = namesAndContents[i + 1];
                z.write(c instanceof String s ? Pickles.bytes(s) : (byte[]) c);
                z.closeEntry();
            }
        }
        return p;
    }

    /** The archive of one state dict (a pickle) and its storage "0". */
    private Path archive(String pickle, byte[] storage) throws IOException {
        return zip("archive/data.pkl", pickle, "archive/data/0", storage);
    }

    /** Makes the zip's central directory say that entry {@code name} inflates to {@code size} bytes. */
    private static void claimSize(Path zip, String name, int size) throws IOException {
        byte[] b = Files.readAllBytes(zip);
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        byte[] n = Pickles.bytes(name);
        for (int i = 0; i + 46 + n.length <= b.length; i++) {
            if (buf.getInt(i) == 0x02014b50 && buf.getShort(i + 28) == n.length
                    && java.util.Arrays.equals(b, i + 46, i + 46 + n.length, n, 0, n.length)) {
                buf.putInt(i + 24, size);
                Files.write(zip, b);
                return;
            }
        }
        throw new IllegalStateException("no central directory entry " + name);
    }

    private static void assertReads(Path p, float[][] expected) {
        try (StateDict sd = Checkpoints.open(p)) {
            assertEquals(Nd4j.createFromArray(expected), sd.get("w"));
        }
    }

    @Test
    void storagesOfEitherByteOrder() throws IOException {
        float[][] w = {{1.5f, -2f}, {3f, 4f}};
        assertReads(archive(W, DATA), w);
        assertReads(zip("archive/data.pkl", W, "archive/byteorder", "little", "archive/data/0", DATA), w);
        assertReads(zip("archive/data.pkl", W, "archive/byteorder", "big\n",
                "archive/data/0", f32(ByteOrder.BIG_ENDIAN, 1.5f, -2f, 3f, 4f)), w);
        // the byteorder entry is read up to 64 bytes
        assertReads(zip("archive/data.pkl", W, "archive/byteorder", "little" + " ".repeat(58), "archive/data/0", DATA), w);
        Path long65 = zip("archive/data.pkl", W, "archive/byteorder", "little" + " ".repeat(59), "archive/data/0", DATA);
        assertFails(() -> Checkpoints.open(long65), long65 + ": archive/byteorder is implausibly large (65 bytes)");
        Path middle = zip("archive/data.pkl", W, "archive/byteorder", "middle", "archive/data/0", DATA);
        assertFails(() -> Checkpoints.open(middle), middle + ": unknown byteorder 'middle' in archive/byteorder");
    }

    @Test
    void theArchiveFolderMayHaveAnyNameOrNone() throws IOException {
        float[][] w = {{1.5f, -2f}, {3f, 4f}};
        assertReads(zip("data.pkl", W, "data/0", DATA), w);
        assertReads(zip("my_model/data.pkl", W, "my_model/data/0", DATA), w);
        assertReads(zip("/data.pkl", W, "/data/0", DATA), w);
    }

    @Test
    void archivesThatAreNotOneCheckpoint() throws IOException {
        Path two = zip("a/data.pkl", W, "b/data.pkl", W);
        assertFails(() -> Checkpoints.open(two), two + ": zip archive holds several data.pkl (a/data.pkl, b/data.pkl)");
        Path nested = zip("a/b/data.pkl", W);
        assertFails(() -> Checkpoints.open(nested), nested + ": zip archive has no data.pkl, so it is not a torch.save"
                + " checkpoint (entries: a/b/data.pkl)");
        for (String entry : List.of("archive/constants.pkl", "archive/code/__torch__.py")) {
            Path script = zip("archive/data.pkl", W, entry, "x");
            assertFails(() -> Checkpoints.open(script), script + ": this is a TorchScript archive (torch.jit.save),"
                    + " not a torch.save checkpoint; save model.state_dict() with torch.save instead");
        }
        Object[] eight = new Object[16];
        for (int i = 0; i < 8; i++) {
            eight[2 * i] = "e" + i;
            eight[2 * i + 1] = "x";
        }
        Path p8 = zip(eight);
        assertFails(() -> Checkpoints.open(p8), "(entries: e0, e1, e2, e3, e4, e5, e6, e7)");
        Object[] nine = java.util.Arrays.copyOf(eight, 18);
        nine[16] = "e8";
        nine[17] = "x";
        Path p9 = zip(nine);
        assertFails(() -> Checkpoints.open(p9), "(entries: e0, e1, e2, e3, e4, e5, e6, e7, ... (9 in all))");
    }

    @Test
    void tensorsMustFitTheirStorage() throws IOException {
        Path beyond = archive(dict(str("w") + floats("0", 5, 2, 4)), f32(ByteOrder.LITTLE_ENDIAN, 0, 1, 2, 3, 4));
        try (StateDict sd = Checkpoints.open(beyond)) {
            assertFails(() -> sd.get("w"), beyond + ": tensor 'w' reaches element 5 of its storage, which has only 5 elements");
        }
        Path fits = archive(dict(str("w") + floats("0", 5, 1, 4)), f32(ByteOrder.LITTLE_ENDIAN, 0, 1, 2, 3, 4));
        try (StateDict sd = Checkpoints.open(fits)) {
            assertEquals(Nd4j.createFromArray(1f, 2f, 3f, 4f), sd.get("w"));
        }
        Path empty = archive(W, new byte[0]);
        try (StateDict sd = Checkpoints.open(empty)) {
            assertFails(() -> sd.get("w"), empty + ": storage entry archive/data/0 has 0 bytes but tensor 'w'"
                    + " needs a storage of 4 x F32 (16 bytes)");
        }
        Path shortEntry = archive(W, new byte[8]);
        try (StateDict sd = Checkpoints.open(shortEntry)) {
            assertFails(() -> sd.get("w"), shortEntry + ": storage entry archive/data/0 has 8 bytes but tensor 'w'"
                    + " needs a storage of 4 x F32 (16 bytes)");
        }
    }

    @Test
    void tensorsTooLargeForOneArray() throws IOException {
        long max = StateDicts.MAX_ELEMENTS;
        Path huge = archive(dict(str("w") + floats("0", 2_500_000_000L, 0, 50_000, 50_000)), DATA);
        Path atLimit = archive(dict(str("w") + floats("0", max, 0, max)), DATA);
        Path absurd = archive(dict(str("w") + floats("0", 4, 0, 1L << 40, 1L << 40)), DATA);
        try (StateDict sd = Checkpoints.open(huge); StateDict at = Checkpoints.open(atLimit); StateDict ab = Checkpoints.open(absurd)) {
            assertFails(() -> sd.get("w"), huge + ": tensor 'w' has 2500000000 elements, more than one Java array can hold");
            assertFails(() -> at.get("w"), atLimit + ": storage entry archive/data/0 has 16 bytes but tensor 'w' needs a storage of "
                    + max + " x F32 (" + 4 * max + " bytes)");
            assertFails(() -> ab.get("w"), absurd + ": tensor 'w' has an absurd shape");
        }
    }

    @Test
    void entriesThatInflateToLessThanTheirDeclaredSize() throws IOException {
        Path pkl = archive(W, DATA);
        int size = W.length();
        claimSize(pkl, "archive/data.pkl", size + 10);
        assertFails(() -> Checkpoints.open(pkl), pkl + ": archive/data.pkl inflates to " + size + " bytes, not the "
                + (size + 10) + " its zip entry declares (corrupt zip archive)");
        Path longer = archive(W, DATA);
        claimSize(longer, "archive/data.pkl", 0);
        assertFails(() -> Checkpoints.open(longer), longer + ": archive/data.pkl inflates to " + size + " bytes, not the 0"
                + " its zip entry declares (corrupt zip archive)");
        Path data = archive(dict(str("w") + floats("0", 6, 0, 4)), f32(ByteOrder.LITTLE_ENDIAN, 1, 2));
        claimSize(data, "archive/data/0", 24);
        try (StateDict sd = Checkpoints.open(data)) {
            assertFails(() -> sd.get("w"), data + ": storage entry archive/data/0 of tensor 'w' is truncated"
                    + " (data ends after 8 of 16 bytes)");
        }
    }

    @Test
    void whatTheStateDictMayHold() throws IOException {
        String w = floats("0", 4, 0, 4);
        StringBuilder keys = new StringBuilder();
        for (int i = 0; i < 25; i++) {
            keys.append(str("k" + i)).append(integer(i));
        }
        Path noTensors = archive(dict(keys.toString()), DATA);
        assertFails(() -> Checkpoints.open(noTensors), noTensors + ": no tensors found (top-level keys: k0, k1, k2, k3,"
                + " k4, k5, k6, k7, k8, k9, k10, k11, k12, k13, k14, k15, k16, k17, k18, k19, ...)");
        Path inModel = archive(dict(str("model") + "}(" + str("w") + w + str("x") + integer(1) + "u"), DATA);
        assertFails(() -> Checkpoints.open(inModel), inModel + ": entry 'x' in 'model' is a int 1, not a tensor");
        Path bare = archive(dict(str("w") + w + str("x") + integer(1)), DATA);
        assertFails(() -> Checkpoints.open(bare), bare + ": entry 'x' is a int 1, not a tensor");
        Path intKey = archive(dict(integer(1) + w), DATA);
        assertFails(() -> Checkpoints.open(intKey), intKey + ": state_dict has a non-string key int 1");
        Path clash = archive(dict(str("w") + w + str("module.w") + w), DATA);
        assertFails(() -> Checkpoints.open(clash), clash + ": keys 'w' and 'module.w' are the same after removing the 'module.' prefix");
        Path module = archive(dict(str("model") + "cm\nNet\n)\u0081"), DATA);
        assertFails(() -> Checkpoints.open(module), module + ": 'model' holds a pickled m.Net object, not a state_dict");
        Path broken = archive("\u0080\u0002}(", DATA);
        assertFails(() -> Checkpoints.open(broken), broken + ": cannot read archive/data.pkl: pickle ends without STOP (truncated)");
        try (StateDict sd = Checkpoints.open(archive(dict(str("w") + w + str("_metadata") + "}"), DATA))) {
            assertEquals(List.of("w"), List.copyOf(sd.keys()));
            assertEquals(Map.of(), sd.metadata());
        }
        // a strided view: every other element of the storage
        Path strided = archive(dict(str("w") + tensor(storage("FloatStorage", "0", 4), integer(0) + ints(2) + ints(2))), DATA);
        try (StateDict sd = Checkpoints.open(strided)) {
            assertEquals(Nd4j.createFromArray(1.5f, 3f), sd.get("w"));
        }
    }
}
