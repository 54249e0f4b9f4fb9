package org.cvtzoo.core.image;

import java.util.Arrays;

/**
 * An 8-bit RGB image, stored row-major as interleaved {@code R, G, B} bytes (HWC), the layout of
 * a PIL {@code RGB} image as numpy sees it. Immutable.
 */
public final class RgbImage {
    private final int width;
    private final int height;
    private final byte[] rgb;

    private RgbImage(int width, int height, byte[] rgb) {
        this.width = width;
        this.height = height;
        this.rgb = rgb;
    }

    /**
     * An image of the given size over a copy of {@code rgb} (HWC, {@code height * width * 3}
     * bytes, each read as an unsigned value 0..255).
     */
    public static RgbImage of(int width, int height, byte[] rgb) {
        check(width, height);
        if (rgb.length != (long) width * height * 3) {
            throw new IllegalArgumentException("RGB data of " + rgb.length + " bytes for a "
                    + width + "x" + height + " image (needs " + (long) width * height * 3 + ")");
        }
        return new RgbImage(width, height, rgb.clone());
    }

    /** Wraps {@code rgb} without copying (it must not be changed afterwards). */
    static RgbImage wrap(int width, int height, byte[] rgb) {
        return new RgbImage(width, height, rgb);
    }

    static void check(int width, int height) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive, got "
                    + width + "x" + height);
        }
        if ((long) width * height * 3 > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("image of " + width + "x" + height
                    + " is too large");
        }
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** Sample of channel {@code c} (0 = R, 1 = G, 2 = B) at column {@code x}, row {@code y}. */
    public int get(int x, int y, int c) {
        if (x < 0 || x >= width || y < 0 || y >= height || c < 0 || c > 2) {
            throw new IndexOutOfBoundsException("(" + x + ", " + y + ", " + c + ") outside a "
                    + width + "x" + height + " RGB image");
        }
        return rgb[(y * width + x) * 3 + c] & 0xff;
    }

    /** A copy of the HWC bytes. */
    public byte[] toBytes() {
        return rgb.clone();
    }

    /** The HWC bytes themselves, for this package's code that only reads them. */
    byte[] data() {
        return rgb;
    }

    /**
     * The {@code width x height} region whose top-left corner is ({@code left}, {@code top});
     * parts outside this image are black (zero), as torchvision's padding center crop gives.
     */
    public RgbImage crop(int left, int top, int cropWidth, int cropHeight) {
        check(cropWidth, cropHeight);
        if (left == 0 && top == 0 && cropWidth == width && cropHeight == height) {
            return this;
        }
        byte[] out = new byte[cropWidth * cropHeight * 3];
        int x0 = Math.max(left, 0);
        int x1 = Math.min(left + cropWidth, width);
        for (int y = 0; y < cropHeight; y++) {
            int sy = top + y;
            if (sy < 0 || sy >= height || x1 <= x0) {
                continue;
            }
            System.arraycopy(rgb, (sy * width + x0) * 3, out, (y * cropWidth + x0 - left) * 3,
                    (x1 - x0) * 3);
        }
        return new RgbImage(cropWidth, cropHeight, out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RgbImage r && r.width == width && r.height == height
                && Arrays.equals(r.rgb, rgb);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * width + height) + Arrays.hashCode(rgb);
    }

    @Override
    public String toString() {
        return "RgbImage[" + width + "x" + height + "]";
    }
}
