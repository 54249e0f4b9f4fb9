package org.cvtzoo.core.data;

import java.util.Arrays;
import org.cvtzoo.core.image.RgbImage;

/**
 * The images of an IDX image file: {@code count} grey 8-bit images of {@code rows x cols},
 * stored row-major one after the other (the file's own layout).
 */
public final class IdxImages {
    private final int count;
    private final int rows;
    private final int cols;
    private final byte[] pixels;

    IdxImages(int count, int rows, int cols, byte[] pixels) {
        if ((long) count * rows * cols != pixels.length) {
            throw new IllegalArgumentException(count + " images of " + rows + "x" + cols
                    + " need " + (long) count * rows * cols + " bytes, got " + pixels.length);
        }
        this.count = count;
        this.rows = rows;
        this.cols = cols;
        this.pixels = pixels;
    }

    /** {@code count} images of {@code rows x cols} over a copy of {@code pixels}. */
    public static IdxImages of(int count, int rows, int cols, byte[] pixels) {
        if (count < 0 || rows <= 0 || cols <= 0) {
            throw new IllegalArgumentException("bad IDX image shape [" + count + ", " + rows
                    + ", " + cols + "]");
        }
        return new IdxImages(count, rows, cols, pixels.clone());
    }

    public int count() {
        return count;
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    /** Pixel ({@code row}, {@code col}) of image {@code index}, 0..255. */
    public int pixel(int index, int row, int col) {
        checkIndex(index);
        if (row < 0 || row >= rows || col < 0 || col >= cols) {
            throw new IndexOutOfBoundsException("(" + row + ", " + col + ") outside a " + rows
                    + "x" + cols + " image");
        }
        return pixels[(index * rows + row) * cols + col] & 0xff;
    }

    /** A copy of image {@code index}'s grey bytes, row-major. */
    public byte[] grey(int index) {
        checkIndex(index);
        int n = rows * cols;
        return Arrays.copyOfRange(pixels, index * n, index * n + n);
    }

    /**
     * Image {@code index} as RGB, the grey value in all three channels (as PIL's
     * {@code Image.fromarray(a, 'L').convert('RGB')}).
     */
    public RgbImage rgb(int index) {
        checkIndex(index);
        int n = rows * cols;
        byte[] out = new byte[n * 3];
        int base = index * n;
        for (int i = 0; i < n; i++) {
            byte v = pixels[base + i];
            out[3 * i] = v;
            out[3 * i + 1] = v;
            out[3 * i + 2] = v;
        }
        return RgbImage.of(cols, rows, out);
    }

    private void checkIndex(int index) {
        if (index < 0 || index >= count) {
            throw new IndexOutOfBoundsException("image " + index + " of " + count);
        }
    }

    @Override
    public String toString() {
        return "IdxImages[" + count + " x " + rows + "x" + cols + "]";
    }
}
