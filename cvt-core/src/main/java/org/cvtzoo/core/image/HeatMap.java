package org.cvtzoo.core.image;

import org.cvtzoo.core.weights.AtomicFile;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.file.Path;

/**
 * An attention map laid over the image the model saw, as a PNG: the picture code that the CLI
 * ({@code bin/cvt attention}, the demo) and the notebooks share, below both.
 */
public final class HeatMap {
    private HeatMap() {
    }

    /**
     * @param map   one image's attention {@code [heads, h, w]} (heads are averaged), a distribution over the grid
     * @param alpha how much of the heat colour covers the image
     */
    public static BufferedImage overlay(RgbImage image, INDArray map, double alpha) {
        return overlay(image, map, alpha, false);
    }

    /**
     * As {@link #overlay(RgbImage, INDArray, double)}, but each cell of the map drawn as one flat
     * block (nearest neighbour): a coarse map shown as what it is, not smoothed into detail it lacks.
     */
    public static BufferedImage overlayBlocks(RgbImage image, INDArray map, double alpha) {
        return overlay(image, map, alpha, true);
    }

    private static BufferedImage overlay(RgbImage image, INDArray map, double alpha, boolean blocks) {
        if (map.rank() != 3) throw new IllegalArgumentException("attention map must be [heads, h, w], got rank " + map.rank());
        INDArray m = map.castTo(DataType.DOUBLE).mean(0);
        int gh = (int) m.size(0), gw = (int) m.size(1);
        double min = m.minNumber().doubleValue(), max = m.maxNumber().doubleValue();
        double range = max > min ? max - min : 1;
        int w = image.width(), h = image.height();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double cell = blocks ? m.getDouble(Math.min(gh - 1, y * gh / h), Math.min(gw - 1, x * gw / w))
                        : bilinear(m, gh, gw, (y + 0.5) * gh / h - 0.5, (x + 0.5) * gw / w - 0.5);
                double v = (cell - min) / range;
                int[] heat = colour(v);
                int r = blend(image.get(x, y, 0), heat[0], alpha), g = blend(image.get(x, y, 1), heat[1], alpha),
                        b = blend(image.get(x, y, 2), heat[2], alpha);
                out.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        return out;
    }

    /** Writes a PNG whole or not at all. */
    public static void writePng(BufferedImage img, Path file) throws IOException {
        AtomicFile.write(file, ch -> {
            if (!ImageIO.write(img, "png", Channels.newOutputStream(ch))) throw new IOException("no PNG writer");
        });
    }

    private static double bilinear(INDArray m, int gh, int gw, double y, double x) {
        y = Math.max(0, Math.min(gh - 1, y));
        x = Math.max(0, Math.min(gw - 1, x));
        int y0 = (int) Math.floor(y), x0 = (int) Math.floor(x);
        int y1 = Math.min(gh - 1, y0 + 1), x1 = Math.min(gw - 1, x0 + 1);
        double fy = y - y0, fx = x - x0;
        return (1 - fy) * ((1 - fx) * m.getDouble(y0, x0) + fx * m.getDouble(y0, x1))
                + fy * ((1 - fx) * m.getDouble(y1, x0) + fx * m.getDouble(y1, x1));
    }

    /** Blue (low) through green and yellow to red (high). */
    private static int[] colour(double v) {
        v = Math.max(0, Math.min(1, v));
        double r = Math.max(0, Math.min(1, 1.5 - Math.abs(4 * v - 3)));
        double g = Math.max(0, Math.min(1, 1.5 - Math.abs(4 * v - 2)));
        double b = Math.max(0, Math.min(1, 1.5 - Math.abs(4 * v - 1)));
        return new int[]{(int) Math.round(255 * r), (int) Math.round(255 * g), (int) Math.round(255 * b)};
    }

    private static int blend(int base, int heat, double alpha) {
        return (int) Math.round((1 - alpha) * base + alpha * heat);
    }
}
