package org.cvtzoo.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.cvtzoo.core.ZooException;
import org.cvtzoo.core.image.RgbImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxTest {
    @TempDir
    Path tmp;

    /** An IDX file's bytes: magic, sizes, data. */
    static byte[] idx(int magic, int[] sizes, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * sizes.length + data.length);
        b.putInt(magic);
        for (int s : sizes) {
            b.putInt(s);
        }
        b.put(data);
        return b.array();
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    /** {@code n} images of {@code rows x cols} whose pixel is {@code 7 * index + row * cols + col}. */
    static byte[] pixels(int n, int rows, int cols) {
        byte[] p = new byte[n * rows * cols];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < rows * cols; k++) {
                p[i * rows * cols + k] = (byte) (7 * i + k);
            }
        }
        return p;
    }

    static Path writeImages(Path file, int n, int rows, int cols, boolean gz) throws IOException {
        byte[] b = idx(Idx.IMAGES_MAGIC, new int[] {n, rows, cols}, pixels(n, rows, cols));
        return Files.write(file, gz ? gzip(b) : b);
    }

    static Path writeLabels(Path file, int[] labels, boolean gz) throws IOException {
        byte[] data = new byte[labels.length];
        for (int i = 0; i < labels.length; i++) {
            data[i] = (byte) labels[i];
        }
        byte[] b = idx(Idx.LABELS_MAGIC, new int[] {labels.length}, data);
        return Files.write(file, gz ? gzip(b) : b);
    }

    @Test
    void readsPlainImages() throws IOException {
        Path f = writeImages(tmp.resolve("imgs"), 3, 4, 5, false);
        IdxImages im = Idx.readImages(f);
        assertEquals(3, im.count());
        assertEquals(4, im.rows());
        assertEquals(5, im.cols());
        assertEquals((7 * 2 + 3 * 5 + 1) & 0xff, im.pixel(2, 3, 1));
        byte[] all = pixels(3, 4, 5);
        assertArrayEquals(Arrays.copyOfRange(all, 20, 40), im.grey(1));
    }

    @Test
    void readsGzipByMagicNotName() throws IOException {
        // gzip data without .gz in the name, and plain data with .gz in the name
        Path gz = writeImages(tmp.resolve("imgs.bin"), 2, 28, 28, true);
        Path plain = writeImages(tmp.resolve("plain.gz"), 2, 28, 28, false);
        IdxImages a = Idx.readImages(gz);
        IdxImages b = Idx.readImages(plain);
        assertEquals(2, a.count());
        assertArrayEquals(a.grey(1), b.grey(1));
        assertArrayEquals(new int[] {0, 9, 255, 3},
                Idx.readLabels(writeLabels(tmp.resolve("l.gz"), new int[] {0, 9, 255, 3}, true)));
        assertArrayEquals(new int[] {1, 2},
                Idx.readLabels(writeLabels(tmp.resolve("l"), new int[] {1, 2}, false)));
    }

    @Test
    void greyToRgbReplicates() throws IOException {
        IdxImages im = Idx.readImages(writeImages(tmp.resolve("i"), 2, 3, 4, false));
        RgbImage rgb = im.rgb(1);
        assertEquals(4, rgb.width());
        assertEquals(3, rgb.height());
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 4; x++) {
                for (int c = 0; c < 3; c++) {
                    assertEquals(im.pixel(1, y, x), rgb.get(x, y, c));
                }
            }
        }
    }

    @Test
    void emptyFileIsAllowedWhenItSaysSo() throws IOException {
        Path f = Files.write(tmp.resolve("e"), idx(Idx.LABELS_MAGIC, new int[] {0}, new byte[0]));
        assertEquals(0, Idx.readLabels(f).length);
    }

    private static void assertMessage(DataException e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "'" + e.getMessage() + "' lacks '" + p + "'");
        }
    }

    @Test
    void badMagicNamesTheFile() throws IOException {
        Path labels = writeLabels(tmp.resolve("labels.idx"), new int[] {1, 2, 3}, false);
        DataException e = assertThrows(DataException.class, () -> Idx.readImages(labels));
        assertMessage(e, labels.toString(), "bad magic number 0x00000801", "0x00000803",
                "label file");
        Path images = writeImages(tmp.resolve("images.idx.gz"), 1, 2, 2, true);
        e = assertThrows(DataException.class, () -> Idx.readLabels(images));
        assertMessage(e, images.toString(), "bad magic", "image file", "gzip");
        Path text = Files.writeString(tmp.resolve("notes.txt"), "hello, world");
        e = assertThrows(DataException.class, () -> Idx.readImages(text));
        assertMessage(e, text.toString(), "bad magic", "not an IDX file");
        assertTrue(e instanceof ZooException);
    }

    @Test
    void truncatedPlainAndGzip() throws IOException {
        byte[] full = idx(Idx.IMAGES_MAGIC, new int[] {3, 4, 4}, pixels(3, 4, 4));
        for (int cut : new int[] {0, 2, 6, 15, 16, 40, full.length - 1}) {
            byte[] part = Arrays.copyOf(full, cut);
            Path plain = Files.write(tmp.resolve("cut" + cut), part);
            DataException e = assertThrows(DataException.class, () -> Idx.readImages(plain));
            assertMessage(e, plain.toString(), "truncated");
            Path gz = Files.write(tmp.resolve("cut" + cut + ".gz"), gzip(part));
            e = assertThrows(DataException.class, () -> Idx.readImages(gz));
            assertMessage(e, gz.toString(), "truncated", "gzip");
        }
        // a gzip stream cut short (not a complete stream of fewer bytes)
        byte[] z = gzip(full);
        Path broken = Files.write(tmp.resolve("broken.gz"), Arrays.copyOf(z, z.length - 12));
        DataException e = assertThrows(DataException.class, () -> Idx.readImages(broken));
        assertMessage(e, broken.toString());
    }

    @Test
    void trailingBytesAreAnError() throws IOException {
        byte[] full = idx(Idx.LABELS_MAGIC, new int[] {2}, new byte[] {1, 2, 3});
        Path f = Files.write(tmp.resolve("long"), full);
        DataException e = assertThrows(DataException.class, () -> Idx.readLabels(f));
        assertMessage(e, f.toString(), "1 trailing bytes");
    }

    @Test
    void impossibleSizes() throws IOException {
        Path zero = Files.write(tmp.resolve("zero"), idx(Idx.IMAGES_MAGIC, new int[] {1, 0, 5},
                new byte[0]));
        assertMessage(assertThrows(DataException.class, () -> Idx.readImages(zero)),
                zero.toString(), "0x5");
        Path huge = Files.write(tmp.resolve("huge"), idx(Idx.IMAGES_MAGIC,
                new int[] {-1, 28, 28}, new byte[10]));
        assertMessage(assertThrows(DataException.class, () -> Idx.readImages(huge)),
                huge.toString(), "4294967295 images");
    }

    @Test
    void missingFileAndDirectory() {
        Path none = tmp.resolve("absent-images");
        assertMessage(assertThrows(DataException.class, () -> Idx.readImages(none)),
                "no such file", none.toString());
        assertMessage(assertThrows(DataException.class, () -> Idx.readLabels(tmp)),
                tmp.toString(), "directory");
    }

    @Test
    void labelledPairCountsMustMatch() throws IOException {
        Path im = writeImages(tmp.resolve("im"), 3, 2, 2, false);
        Path ok = writeLabels(tmp.resolve("ok"), new int[] {0, 1, 2}, true);
        Idx.Labelled l = Idx.readLabelled(im, ok);
        assertEquals(3, l.size());
        assertEquals(2, l.label(2));
        Path bad = writeLabels(tmp.resolve("bad"), new int[] {0, 1}, false);
        DataException e = assertThrows(DataException.class, () -> Idx.readLabelled(im, bad));
        assertMessage(e, im.toString(), bad.toString(), "3 images", "2 labels");
    }
}
