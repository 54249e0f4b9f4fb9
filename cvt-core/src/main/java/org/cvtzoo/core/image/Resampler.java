package org.cvtzoo.core.image;

/**
 * Resizes 8-bit RGB images the way Pillow's {@code Image.resize(size, filter)} does for an RGB
 * image, so that results match it byte for byte.
 *
 * <p>The algorithm: a separable convolution, the horizontal pass first and then the vertical
 * one; a pass whose output length equals its input length is skipped. For an output sample
 * {@code i} of a pass from {@code in} to {@code out} samples, with {@code scale = in / out} and
 * {@code fs = max(scale, 1)} (so the kernel widens when downscaling, which antialiases), the
 * source centre is {@code c = (i + 0.5) * scale}, the kernel covers source samples
 * {@code [trunc(c - r + 0.5), trunc(c + r + 0.5))} (clamped to the input), {@code r} being the
 * filter's support times {@code fs}, and sample {@code j} weighs
 * {@code filter((j - c + 0.5) / fs)}; the weights are normalised to sum 1. They are then turned
 * into fixed point with 22 fractional bits (rounded half away from zero), each output is the
 * integer sum of weight times 8-bit input plus one half, shifted back and clipped to 0..255.
 * The horizontal pass's output is thus rounded to 8 bits before the vertical pass reads it.
 */
public final class Resampler {
    private Resampler() {
    }

    private static final int PRECISION_BITS = 32 - 8 - 2;
    private static final double ONE = 1 << PRECISION_BITS;

    /** Fixed-point kernel of one pass: per output sample, the first source index and weights. */
    private record Kernel(int[] start, int[] length, int[][] weights) {
    }

    /**
     * {@code image} resized to {@code height} rows and {@code width} columns with {@code filter}
     * (height first, as everywhere in the zoo; Pillow's own {@code size} is (width, height)).
     */
    public static RgbImage resize(RgbImage image, int height, int width, Interpolation filter) {
        return resizeWindow(image, height, width, 0, 0, height, width, filter);
    }

    /**
     * The window of {@code rows x cols} at ({@code top}, {@code left}) of {@code image} resized to
     * {@code height x width}: the same bytes as cropping the whole resized image, for the work
     * of the window alone (a centre crop of 224 out of 256 keeps about half of a 4:3 image).
     */
    public static RgbImage resizeWindow(RgbImage image, int height, int width, int top, int left, int rows, int cols,
                                        Interpolation filter) {
        RgbImage.check(width, height);
        RgbImage.check(cols, rows);
        if (top < 0 || left < 0 || top + rows > height || left + cols > width) {
            throw new IllegalArgumentException("window " + rows + "x" + cols + " at (" + top + ", " + left
                    + ") outside the " + height + "x" + width + " image");
        }
        int inW = image.width();
        int inH = image.height();
        if (inW == width && inH == height) {
            return rows == height && cols == width ? image : image.crop(left, top, cols, rows);
        }
        Kernel kh = width != inW ? kernel(inW, width, filter) : null;
        Kernel kv = height != inH ? kernel(inH, height, filter) : null;
        // the source rows that the window's output rows read (all of them for a skipped vertical pass)
        int firstRow = top, endRow = top + rows;
        if (kv != null) {
            firstRow = Integer.MAX_VALUE;
            endRow = 0;
            for (int y = top; y < top + rows; y++) {
                firstRow = Math.min(firstRow, kv.start[y]);
                endRow = Math.max(endRow, kv.start[y] + kv.length[y]);
            }
        }
        byte[] band = kh != null ? horizontalPass(image.data(), inW, firstRow, endRow, left, cols, kh)
                : image.crop(left, firstRow, cols, endRow - firstRow).data();
        byte[] out = kv != null ? verticalPass(band, cols, firstRow, top, rows, kv) : band;
        return RgbImage.wrap(cols, rows, out);
    }

    private static Kernel kernel(int inSize, int outSize, Interpolation filter) {
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = filter.support() * filterScale;
        double inverse = 1.0 / filterScale;
        int[] start = new int[outSize];
        int[] length = new int[outSize];
        int[][] weights = new int[outSize][];
        for (int i = 0; i < outSize; i++) {
            double centre = (i + 0.5) * scale;
            int lo = Math.max((int) (centre - support + 0.5), 0);
            int hi = Math.min((int) (centre + support + 0.5), inSize);
            int n = Math.max(hi - lo, 0);
            double[] w = new double[n];
            double sum = 0.0;
            for (int j = 0; j < n; j++) {
                w[j] = filter.weight((j + lo - centre + 0.5) * inverse);
                sum += w[j];
            }
            int[] fixed = new int[n];
            for (int j = 0; j < n; j++) {
                double v = sum != 0.0 ? w[j] / sum : w[j];
                fixed[j] = v < 0 ? (int) (-0.5 + v * ONE) : (int) (0.5 + v * ONE);
            }
            start[i] = lo;
            length[i] = n;
            weights[i] = fixed;
        }
        return new Kernel(start, length, weights);
    }

    private static int clip8(int v) {
        if (v >= (1 << PRECISION_BITS << 8)) {
            return 255;
        }
        if (v <= 0) {
            return 0;
        }
        return v >> PRECISION_BITS;
    }

    /** Rows {@code [firstRow, endRow)} of {@code src} resampled to output columns {@code [left, left + cols)}. */
    private static byte[] horizontalPass(byte[] src, int inW, int firstRow, int endRow, int left, int cols, Kernel k) {
        byte[] out = new byte[(endRow - firstRow) * cols * 3];
        for (int y = firstRow; y < endRow; y++) {
            int rowIn = y * inW * 3;
            int rowOut = (y - firstRow) * cols * 3;
            for (int x = 0; x < cols; x++) {
                int[] w = k.weights[left + x];
                int base = rowIn + k.start[left + x] * 3;
                int r = 1 << (PRECISION_BITS - 1);
                int g = r;
                int b = r;
                for (int j = 0; j < w.length; j++) {
                    int p = base + j * 3;
                    r += (src[p] & 0xff) * w[j];
                    g += (src[p + 1] & 0xff) * w[j];
                    b += (src[p + 2] & 0xff) * w[j];
                }
                int o = rowOut + x * 3;
                out[o] = (byte) clip8(r);
                out[o + 1] = (byte) clip8(g);
                out[o + 2] = (byte) clip8(b);
            }
        }
        return out;
    }

    /** Output rows {@code [top, top + rows)} resampled from {@code band}, whose first row is source row {@code firstRow}. */
    private static byte[] verticalPass(byte[] band, int width, int firstRow, int top, int rows, Kernel k) {
        int stride = width * 3;
        byte[] out = new byte[rows * stride];
        int[] acc = new int[stride];
        for (int y = 0; y < rows; y++) {
            java.util.Arrays.fill(acc, 1 << (PRECISION_BITS - 1));
            int[] w = k.weights[top + y];
            int base = (k.start[top + y] - firstRow) * stride;
            for (int j = 0; j < w.length; j++) {
                int row = base + j * stride;
                int wj = w[j];
                for (int i = 0; i < stride; i++) {
                    acc[i] += (band[row + i] & 0xff) * wj;
                }
            }
            int o = y * stride;
            for (int i = 0; i < stride; i++) {
                out[o + i] = (byte) clip8(acc[i]);
            }
        }
        return out;
    }
}
