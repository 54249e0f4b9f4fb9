package org.cvtzoo.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionMnistTest {
    @TempDir
    Path tmp;

    /** A miniature Fashion-MNIST (n train, m test examples of 28x28) in {@code dir}. */
    static Path mini(Path dir, int n, int m, boolean gz) throws IOException {
        Files.createDirectories(dir);
        String ext = gz ? ".gz" : "";
        IdxTest.writeImages(dir.resolve("train-images-idx3-ubyte" + ext), n, 28, 28, gz);
        IdxTest.writeLabels(dir.resolve("train-labels-idx1-ubyte" + ext), labels(n), gz);
        IdxTest.writeImages(dir.resolve("t10k-images-idx3-ubyte" + ext), m, 28, 28, gz);
        IdxTest.writeLabels(dir.resolve("t10k-labels-idx1-ubyte" + ext), labels(m), gz);
        return dir;
    }

    static int[] labels(int n) {
        int[] l = new int[n];
        for (int i = 0; i < n; i++) {
            l[i] = i % 10;
        }
        return l;
    }

    @Test
    void classNamesInLabelOrder() {
        assertEquals(List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                "Shirt", "Sneaker", "Bag", "Ankle boot"), FashionMnist.CLASSES);
    }

    @Test
    void propertyThenEnvThenDebian() throws IOException {
        Path a = mini(tmp.resolve("a"), 5, 3, true);
        Path b = mini(tmp.resolve("b"), 4, 2, false);
        Path c = mini(tmp.resolve("c"), 2, 1, true);
        assertEquals(a, FashionMnist.locate(a.toString(), b.toString(), c).dir());
        assertEquals(b, FashionMnist.locate(null, b.toString(), c).dir());
        assertEquals(b, FashionMnist.locate("  ", b.toString(), c).dir());
        assertEquals(c, FashionMnist.locate(null, null, c).dir());
        FashionMnist fm = FashionMnist.locate(null, b.toString(), c);
        Idx.Labelled train = fm.load(FashionMnist.Split.TRAIN);
        assertEquals(4, train.size());
        assertEquals(28, train.images().rows());
        assertEquals(2, fm.load(FashionMnist.Split.TEST).size());
        assertTrue(fm.imagesFile(FashionMnist.Split.TEST).endsWith("t10k-images-idx3-ubyte"));
        assertTrue(FashionMnist.in(a).labelsFile(FashionMnist.Split.TRAIN)
                .endsWith("train-labels-idx1-ubyte.gz"));
    }

    @Test
    void absentEverywhereSaysWhereAndHow() {
        Path none = tmp.resolve("no-such-dir");
        DataException e = assertThrows(DataException.class,
                () -> FashionMnist.locate(null, null, none));
        for (String part : new String[] {none.toString(), "cvt.fashion.dir", "CVT_FASHION_DIR",
                "apt-get update && apt-get install -y dataset-fashion-mnist", "train-images-idx3-ubyte"}) {
            assertTrue(e.getMessage().contains(part), e.getMessage() + " lacks " + part);
        }
    }

    @Test
    void explicitFolderMissingAFile() throws IOException {
        Path a = mini(tmp.resolve("a"), 2, 2, false);
        Files.delete(a.resolve("t10k-labels-idx1-ubyte"));
        DataException e = assertThrows(DataException.class,
                () -> FashionMnist.locate(a.toString(), null, tmp.resolve("x")));
        assertTrue(e.getMessage().contains(a.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("cvt.fashion.dir"), e.getMessage());
        assertTrue(e.getMessage().contains("lacks t10k-labels-idx1-ubyte"), e.getMessage());
        e = assertThrows(DataException.class,
                () -> FashionMnist.locate(null, tmp.resolve("nope").toString(), a));
        assertTrue(e.getMessage().contains("CVT_FASHION_DIR"), e.getMessage());
        assertTrue(e.getMessage().contains("not a folder"), e.getMessage());
    }

    @Test
    void rejectsWrongSizeOrLabels() throws IOException {
        Path d = mini(tmp.resolve("d"), 2, 2, false);
        IdxTest.writeImages(d.resolve("train-images-idx3-ubyte"), 2, 27, 28, false);
        IdxTest.writeLabels(d.resolve("t10k-labels-idx1-ubyte"), new int[] {3, 10}, false);
        FashionMnist fm = FashionMnist.in(d);
        DataException e = assertThrows(DataException.class,
                () -> fm.load(FashionMnist.Split.TRAIN));
        assertTrue(e.getMessage().contains("27x28"), e.getMessage());
        e = assertThrows(DataException.class, () -> fm.load(FashionMnist.Split.TEST));
        assertTrue(e.getMessage().contains("label 10"), e.getMessage());
    }

    /** The real files, where Debian's dataset-fashion-mnist (or the property/env) has them. */
    @Test
    void realFiles() {
        FashionMnist fm;
        try {
            fm = FashionMnist.locate();
        } catch (DataException e) {
            assumeTrue(false, "Fashion-MNIST not installed: " + e.getMessage());
            return;
        }
        for (FashionMnist.Split s : FashionMnist.Split.values()) {
            Idx.Labelled d = fm.load(s);
            assertEquals(s.size(), d.size(), s.name());
            assertEquals(28, d.images().rows());
            assertEquals(28, d.images().cols());
            int[] perClass = new int[10];
            for (int l : d.labels()) {
                perClass[l]++;
            }
            // the published splits are balanced: 6,000 / 1,000 examples per class
            int[] want = new int[10];
            Arrays.fill(want, s.size() / 10);
            assertEquals(Arrays.toString(want), Arrays.toString(perClass), s.name());
        }
        // one shuffled batch of the test split through the loader, resized to 32
        float[] half = {0.5f, 0.5f, 0.5f};
        IdxDataset ds = IdxDataset.resized(fm.load(FashionMnist.Split.TEST), 32, half, half);
        try (BatchLoader loader = new BatchLoader(ds, BatchLoader.Options.of(16, 0))) {
            Batch b = loader.epoch(0).next();
            assertArrayEquals(new long[] {16, 3, 32, 32}, b.images().shape());
            assertTrue(b.images().minNumber().floatValue() >= -1f
                    && b.images().maxNumber().floatValue() <= 1f);
        }
    }
}
