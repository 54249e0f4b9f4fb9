package org.cvtzoo.core.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The RGB image: its byte layout, bounds, crops and identity. */
class RgbImageTest {

    /** A w x h image whose pixel (x, y) is (v, v + 1, v + 2) with v = 10 * (y * w + x + 1). */
    static RgbImage numbered(int w, int h) {
        byte[] b = new byte[w * h * 3];
        for (int i = 0; i < w * h; i++) {
            for (int c = 0; c < 3; c++) {
                b[i * 3 + c] = (byte) (10 * (i + 1) + c);
            }
        }
        return RgbImage.of(w, h, b);
    }

    /** The red samples row by row; 0 where the image is black. */
    static int[][] reds(RgbImage im) {
        int[][] r = new int[im.height()][im.width()];
        for (int y = 0; y < im.height(); y++) {
            for (int x = 0; x < im.width(); x++) {
                r[y][x] = im.get(x, y, 0);
            }
        }
        return r;
    }

    private static void assertMessage(String message, Executable body) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, body).getMessage());
    }

    @Test
    void samplesAreRowMajorInterleavedRgb() {
        RgbImage im = numbered(3, 2);
        assertEquals(3, im.width());
        assertEquals(2, im.height());
        assertEquals(60, im.get(2, 1, 0));
        assertEquals(61, im.get(2, 1, 1));
        assertEquals(62, im.get(2, 1, 2));
        assertEquals(40, im.get(0, 1, 0));
        assertEquals(30, im.get(2, 0, 0));
        byte[] bytes = im.toBytes();
        assertEquals(18, bytes.length);
        assertEquals(21, bytes[4]);
        bytes[0] = 99;
        assertEquals(10, im.get(0, 0, 0), "toBytes is a copy");
        assertEquals(200, RgbImage.of(1, 1, new byte[] {(byte) 200, 0, 0}).get(0, 0, 0), "unsigned");
        byte[] source = {1, 2, 3};
        RgbImage copied = RgbImage.of(1, 1, source);
        source[0] = 9;
        assertEquals(1, copied.get(0, 0, 0), "of copies its bytes");
    }

    @Test
    void outsideTheImageIsAnError() {
        RgbImage im = numbered(3, 2);
        int[][] outside = {{-1, 0, 0}, {3, 0, 0}, {0, -1, 0}, {0, 2, 0}, {0, 0, -1}, {0, 0, 3}};
        for (int[] p : outside) {
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> im.get(p[0], p[1], p[2]));
            assertEquals("(" + p[0] + ", " + p[1] + ", " + p[2] + ") outside a 3x2 RGB image", e.getMessage());
        }
    }

    @Test
    void sizesAreChecked() {
        assertMessage("image size must be positive, got 0x5", () -> RgbImage.of(0, 5, new byte[0]));
        assertMessage("image size must be positive, got 5x0", () -> RgbImage.of(5, 0, new byte[0]));
        assertMessage("image size must be positive, got -1x-1", () -> RgbImage.of(-1, -1, new byte[3]));
        assertMessage("RGB data of 17 bytes for a 2x3 image (needs 18)", () -> RgbImage.of(2, 3, new byte[17]));
        assertMessage("RGB data of 19 bytes for a 2x3 image (needs 18)", () -> RgbImage.of(2, 3, new byte[19]));
        assertMessage("image of 46341x46341 is too large", () -> RgbImage.check(46341, 46341));
        assertMessage("image of 26755x26755 is too large", () -> RgbImage.check(26755, 26755));
        RgbImage.check(26754, 26754); // 2,147,329,548 bytes: the largest square that fits
        RgbImage.check(1, 1);
    }

    @Test
    void cropsCopyTheRegionAndPadWithBlack() {
        RgbImage im = numbered(3, 2);
        assertSame(im, im.crop(0, 0, 3, 2));
        assertArrayEquals(new int[][] {{20, 30}}, reds(im.crop(1, 0, 2, 1)));
        assertArrayEquals(new int[][] {{20, 30, 0}, {50, 60, 0}}, reds(im.crop(1, 0, 3, 2)));
        assertArrayEquals(new int[][] {{40, 50, 60}, {0, 0, 0}}, reds(im.crop(0, 1, 3, 2)));
        assertArrayEquals(new int[][] {{10, 20}, {40, 50}}, reds(im.crop(0, 0, 2, 2)));
        assertArrayEquals(new int[][] {{10, 20, 30}}, reds(im.crop(0, 0, 3, 1)));
        assertArrayEquals(new int[][] {{0, 0, 0, 0}, {0, 10, 20, 30}, {0, 40, 50, 60}, {0, 0, 0, 0}},
                reds(im.crop(-1, -1, 4, 4)));
        assertArrayEquals(new int[][] {{0, 0}, {0, 0}}, reds(im.crop(5, 0, 2, 2)), "wholly outside");
        assertArrayEquals(new int[][] {{0}, {0}}, reds(im.crop(-1, 0, 1, 2)), "wholly outside, left");
        RgbImage c = im.crop(1, 1, 2, 1);
        assertEquals(51, c.get(0, 0, 1));
        assertEquals(62, c.get(1, 0, 2));
        assertMessage("image size must be positive, got 0x1", () -> im.crop(0, 0, 0, 1));
    }

    @Test
    void equalByContent() {
        RgbImage a = numbered(3, 2);
        RgbImage b = numbered(3, 2);
        assertNotSame(a, b);
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertNotEquals(a, numbered(2, 3));
        assertNotEquals(a.hashCode(), numbered(2, 3).hashCode());
        assertNotEquals(a, numbered(6, 1));
        assertNotEquals(a, a.crop(0, 0, 3, 1).crop(0, 0, 3, 2));
        assertNotEquals(a, "RgbImage[3x2]");
        assertEquals("RgbImage[3x2]", a.toString());
    }
}
