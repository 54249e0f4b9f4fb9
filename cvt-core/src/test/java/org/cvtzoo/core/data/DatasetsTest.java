package org.cvtzoo.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.cvtzoo.core.image.EvalTransform;
import org.cvtzoo.core.image.Images;
import org.cvtzoo.core.image.Interpolation;
import org.cvtzoo.core.image.RgbImage;
import org.cvtzoo.core.image.Transforms;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class DatasetsTest {
    @TempDir
    Path tmp;

    private static final float[] HALF = {0.5f, 0.5f, 0.5f};

    @Test
    void idxImagesResizedAndNormalised() throws IOException {
        Path im = IdxTest.writeImages(tmp.resolve("im"), 5, 28, 28, true);
        Path lb = IdxTest.writeLabels(tmp.resolve("lb"), new int[] {3, 1, 4, 1, 5}, false);
        Idx.Labelled data = Idx.readLabelled(im, lb);
        IdxDataset ds = IdxDataset.resized(data, 32, HALF, HALF);
        assertEquals(5, ds.size());
        Example e = ds.get(2, new Random(0));
        assertEquals(4, e.label());
        assertEquals(DataType.FLOAT, e.image().dataType());
        assertArrayEquals(new long[] {3, 32, 32}, e.image().shape());
        RgbImage rgb = data.images().rgb(2);
        INDArray want = Images.normalize(Transforms.resize(rgb, 32, 32, Interpolation.BICUBIC),
                HALF, HALF);
        assertEquals(want, e.image());
        // grey: the three channels agree
        assertEquals(e.image().slice(0), e.image().slice(2));
        // at 28 only normalisation: (v / 255 - 0.5) / 0.5
        Example same = IdxDataset.resized(data, 28, HALF, HALF).get(1, new Random(0));
        float v = data.images().pixel(1, 3, 4);
        assertEquals((v / 255f - 0.5f) / 0.5f, same.image().getFloat(1, 3, 4), 1e-6);
    }

    @Test
    void idxWithTrainTransform() throws IOException {
        Path im = IdxTest.writeImages(tmp.resolve("im"), 3, 28, 28, false);
        Path lb = IdxTest.writeLabels(tmp.resolve("lb"), new int[] {0, 1, 2}, false);
        IdxDataset ds = new IdxDataset(Idx.readLabelled(im, lb), TrainTransform.of(16, HALF,
                HALF));
        INDArray a = ds.get(0, new Random(5)).image();
        assertEquals(a, ds.get(0, new Random(5)).image());
        assertArrayEquals(new long[] {3, 16, 16}, a.shape());
    }

    private static void writePng(Path file, int w, int h, long seed) throws IOException {
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(w, h,
                java.awt.image.BufferedImage.TYPE_INT_RGB);
        Random r = new Random(seed);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, r.nextInt(1 << 24));
            }
        }
        Files.createDirectories(file.getParent());
        javax.imageio.ImageIO.write(img, "png", file.toFile());
    }

    @Test
    void imageFolderTrainAndEvalThroughTheLoader() throws IOException {
        writePng(tmp.resolve("cats/a.png"), 40, 30, 1);
        writePng(tmp.resolve("cats/b.png"), 33, 50, 2);
        writePng(tmp.resolve("dogs/c.png"), 64, 64, 3);
        ImageFolder folder = ImageFolder.open(tmp);
        EvalTransform eval = new EvalTransform(EvalTransform.Resize.shorterSide(20), 16, HALF,
                HALF, "bicubic");
        ImageFolderDataset ev = ImageFolderDataset.eval(folder, eval);
        Example e = ev.get(2, new Random(0));
        assertEquals(1, e.label());
        assertEquals(eval.apply(Images.read(tmp.resolve("dogs/c.png"))), e.image());
        ImageFolderDataset tr = ImageFolderDataset.train(folder, TrainTransform.of(16, HALF,
                HALF));
        assertEquals(tr.get(0, new Random(1)).image(), tr.get(0, new Random(1)).image());
        assertNotEquals(tr.get(0, new Random(1)).image(), tr.get(0, new Random(2)).image());
        try (BatchLoader loader = new BatchLoader(tr, BatchLoader.Options.of(2, 3))) {
            int n = 0;
            for (Batch b : loader) {
                assertArrayEquals(new long[] {b.size(), 3, 16, 16}, b.images().shape());
                n += b.size();
            }
            assertEquals(3, n);
        }
    }

    @Test
    void unreadableImageIsNamedByTheLoader() throws IOException {
        writePng(tmp.resolve("a/ok.png"), 8, 8, 1);
        Files.writeString(tmp.resolve("a/zbroken.png"), "not a png");
        ImageFolderDataset ds = ImageFolderDataset.train(ImageFolder.open(tmp),
                TrainTransform.of(8, HALF, HALF));
        try (BatchLoader loader = new BatchLoader(ds, BatchLoader.Options.of(2, 1)
                .withShuffle(false))) {
            DataLoadingException e = assertThrows(DataLoadingException.class,
                    () -> loader.epoch(0).next());
            assertTrue(e.getMessage().contains("zbroken.png"), e.getMessage());
        }
    }
}
