package org.cvtzoo.core.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Image decoding with the JDK's {@code javax.imageio} (JPEG, PNG, BMP, GIF (first frame), and
 * TIFF/WBMP as far as the JDK reads them; the common PNG files by {@link PngDecoder}) into the 8-bit RGB that PIL's
 * {@code Image.open(p).convert('RGB')} gives, and tensor helpers.
 *
 * <p>The conversion follows PIL: grey is replicated to three channels; palette images are
 * expanded through their palette (a transparent index keeps its palette colour); an alpha
 * channel is dropped, not composited; 16-bit colour samples keep their high byte, 16-bit grey
 * without alpha is clipped to 255 (PIL opens it as 32-bit mode {@code I}, whose conversion
 * clips), 16-bit grey with alpha keeps its high byte; samples of fewer than 8 bits are scaled
 * to 0..255; 8-bit CMYK JPEGs are converted with PIL's formula. Decoded samples are read
 * from the raster, and a JPEG's embedded ICC profile is removed before decoding, so no colour
 * management (ICC profile, gamma) is applied, as PIL applies none. EXIF orientation is
 * ignored, as PIL's {@code Image.open} does.
 */
public final class Images {
    private Images() {
    }

    /**
     * Decodes an image file into RGB.
     *
     * @throws ImageException if the file is missing ({@code no such file: PATH}), unreadable,
     *                        not an image the JDK can decode, broken or truncated
     */
    public static RgbImage read(Path file) {
        byte[] bytes;
        try {
            if (Files.isDirectory(file)) {
                throw new ImageException(file + ": is a directory, not an image file");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ImageException("no such file: " + file, e);
        } catch (IOException e) {
            throw new ImageException(file + ": cannot read (" + e + ")", e);
        }
        return decode(bytes, file.toString());
    }

    /**
     * The {@code {width, height}} an image file's header declares, read without decoding the
     * pixels (so that a server can refuse a huge image before it unpacks); null where no header
     * can be read (decoding then says what is wrong).
     */
    public static long[] declaredSize(byte[] bytes) {
        long[] png = PngDecoder.declaredSize(bytes); // 0.45 ms less a request than asking javax.imageio's readers
        if (png != null) return png;
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) return null;
            ImageReader r = readers.next();
            try {
                r.setInput(in, true, true);
                return new long[] {r.getWidth(0), r.getHeight(0)};
            } finally {
                r.dispose();
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Decodes the bytes of an image file into RGB; {@code name} names the source in error
     * messages.
     */
    public static RgbImage decode(byte[] bytes, String name) {
        if (bytes.length == 0) {
            throw new ImageException(name + ": empty file, not an image");
        }
        RgbImage png = PngDecoder.decode(bytes); // the common PNG files, faster; null leaves the file to the JDK
        if (png != null) {
            return png;
        }
        bytes = withoutIccProfile(bytes);
        ImageReader reader = null;
        String format = "image";
        try (ImageInputStream in = ImageIO.createImageInputStream(
                new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new ImageException(name + ": not an image in a supported format "
                        + "(JPEG, PNG, BMP, GIF, TIFF)");
            }
            reader = readers.next();
            format = reader.getFormatName().toUpperCase(Locale.ROOT);
            reader.setInput(in, true, true);
            List<String> warnings = new ArrayList<>();
            reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
            BufferedImage image = reader.read(0);
            for (String w : warnings) {
                String lw = w.toLowerCase(Locale.ROOT);
                if (lw.contains("premature end") || lw.contains("truncated")
                        || lw.contains("missing eoi")) {
                    throw new ImageException(name + ": " + format
                            + " image file is truncated (" + w + ")");
                }
            }
            return toRgb(image, name + " (" + format + ")");
        } catch (ImageException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            String why = e.getMessage() != null ? e.getMessage() : e.toString();
            Throwable cause = e.getCause();
            if (cause != null && cause != e && cause.getMessage() != null) {
                why += ": " + cause.getMessage();
            }
            String kind = (e instanceof java.io.EOFException
                    || cause instanceof java.io.EOFException) ? "truncated" : "broken";
            throw new ImageException(name + ": " + kind + " " + format + " file (" + why + ")",
                    e);
        } finally {
            if (reader != null) {
                reader.dispose();
            }
        }
    }

    /**
     * The JPEG stream without its embedded ICC profile (APP2 {@code ICC_PROFILE} segments), so
     * that the JDK's reader returns the decoder's own RGB instead of converting it from the
     * profile's colour space (PIL applies no profile). Returned unchanged if it is not a JPEG
     * stream, has no such segment, or the header cannot be walked.
     */
    static byte[] withoutIccProfile(byte[] b) {
        if (b.length < 2 || (b[0] & 0xff) != 0xff || (b[1] & 0xff) != 0xd8) {
            return b;
        }
        byte[] tag = "ICC_PROFILE\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(b.length);
        out.write(b, 0, 2);
        int i = 2;
        boolean stripped = false;
        while (i + 4 <= b.length) {
            if ((b[i] & 0xff) != 0xff) {
                return b;
            }
            int marker = b[i + 1] & 0xff;
            if (marker == 0xff) { // fill byte
                out.write(0xff);
                i++;
                continue;
            }
            if (marker == 0xd8 || marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
                return b; // unexpected standalone marker before SOS
            }
            int length = ((b[i + 2] & 0xff) << 8) | (b[i + 3] & 0xff);
            if (length < 2 || i + 2 + length > b.length || marker == 0xd9) {
                return b;
            }
            boolean icc = marker == 0xe2 && length >= 2 + tag.length
                    && java.util.Arrays.equals(b, i + 4, i + 4 + tag.length, tag, 0, tag.length);
            if (icc) {
                stripped = true;
            } else {
                out.write(b, i, 2 + length);
            }
            i += 2 + length;
            if (marker == 0xda) { // start of scan: the rest is entropy-coded data
                out.write(b, i, b.length - i);
                return stripped ? out.toByteArray() : b;
            }
        }
        return b;
    }

    /**
     * A decoded {@link BufferedImage} as PIL-style RGB (see the class comment);
     * {@code name} names the source in error messages.
     */
    public static RgbImage toRgb(BufferedImage image, String name) {
        int w = image.getWidth();
        int h = image.getHeight();
        RgbImage.check(w, h);
        Raster raster = image.getRaster();
        ColorModel cm = image.getColorModel();
        byte[] out = new byte[w * h * 3];
        int[] row = new int[w];
        if (cm instanceof IndexColorModel icm) {
            int size = icm.getMapSize();
            byte[] r = new byte[size];
            byte[] g = new byte[size];
            byte[] b = new byte[size];
            icm.getReds(r);
            icm.getGreens(g);
            icm.getBlues(b);
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, 0, row);
                for (int x = 0; x < w; x++) {
                    int i = row[x];
                    if (i < 0 || i >= size) {
                        throw new ImageException(name + ": palette index " + i
                                + " outside the palette of " + size + " colours");
                    }
                    int o = (y * w + x) * 3;
                    out[o] = r[i];
                    out[o + 1] = g[i];
                    out[o + 2] = b[i];
                }
            }
            return RgbImage.wrap(w, h, out);
        }
        int type = raster.getDataBuffer().getDataType();
        if (type != DataBuffer.TYPE_BYTE && type != DataBuffer.TYPE_USHORT
                && type != DataBuffer.TYPE_INT && type != DataBuffer.TYPE_SHORT) {
            throw new ImageException(name + ": unsupported sample type (floating-point "
                    + "samples); only 1- to 16-bit integer images are supported");
        }
        int csType = cm.getColorSpace().getType();
        int colours = cm.getNumColorComponents();
        boolean grey = csType == ColorSpace.TYPE_GRAY && colours == 1;
        boolean rgb = csType == ColorSpace.TYPE_RGB && colours == 3;
        if (csType == ColorSpace.TYPE_CMYK && colours == 4 && raster.getNumBands() == 4
                && raster.getSampleModel().getSampleSize(0) == 8) {
            return cmykToRgb(raster, w, h);
        }
        if (!grey && !rgb) {
            throw new ImageException(name + ": unsupported colour space ("
                    + colourSpaceName(csType) + " with " + colours
                    + " colour components); only grey, RGB and palette images are supported");
        }
        if (raster.getNumBands() < colours) {
            throw new ImageException(name + ": unsupported sample layout ("
                    + raster.getNumBands() + " bands for " + colours + " colours)");
        }
        for (int c = 0; c < colours; c++) {
            int bits = raster.getSampleModel().getSampleSize(c);
            if (bits > 16 || bits < 1) {
                throw new ImageException(name + ": unsupported " + bits
                        + "-bit samples; only 1- to 16-bit images are supported");
            }
        }
        boolean alpha = cm.hasAlpha();
        for (int c = 0; c < 3; c++) {
            int band = grey ? 0 : c;
            int bits = raster.getSampleModel().getSampleSize(band);
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, band, row);
                for (int x = 0; x < w; x++) {
                    out[(y * w + x) * 3 + c] = (byte) to8(row[x], bits, grey && !alpha);
                }
            }
        }
        return RgbImage.wrap(w, h, out);
    }

    /**
     * 8-bit CMYK (as the JDK's JPEG reader returns it, Adobe inversion undone) to RGB as PIL
     * converts it: {@code R = clip(255 - K - round(C * (255 - K) / 255))} with PIL's integer
     * rounding of the product, likewise G from M and B from Y.
     */
    private static RgbImage cmykToRgb(Raster raster, int w, int h) {
        byte[] out = new byte[w * h * 3];
        int[] px = new int[w * 4];
        for (int y = 0; y < h; y++) {
            raster.getPixels(0, y, w, 1, px);
            for (int x = 0; x < w; x++) {
                int nk = 255 - (px[4 * x + 3] & 0xff);
                for (int c = 0; c < 3; c++) {
                    int t = (px[4 * x + c] & 0xff) * nk + 128;
                    int v = nk - (((t >> 8) + t) >> 8);
                    out[(y * w + x) * 3 + c] = (byte) Math.max(0, Math.min(255, v));
                }
            }
        }
        return RgbImage.wrap(w, h, out);
    }

    /** One sample as PIL's conversion to 8 bits gives it (see the class comment). */
    private static int to8(int v, int bits, boolean clipWide) {
        if (bits == 8) {
            return v & 0xff;
        }
        if (bits > 8) {
            int u = v & ((1 << bits) - 1);
            if (clipWide) {
                return Math.min(u, 255);
            }
            return u >> (bits - 8);
        }
        int max = (1 << bits) - 1;
        return (v & max) * 255 / max;
    }

    private static String colourSpaceName(int type) {
        switch (type) {
            case ColorSpace.TYPE_CMYK:
                return "CMYK";
            case ColorSpace.TYPE_YCbCr:
                return "YCbCr";
            case ColorSpace.TYPE_CMY:
                return "CMY";
            default:
                return "colour space type " + type;
        }
    }

    /**
     * torchvision's {@code ToTensor} on an RGB image: a float32 CHW array of shape
     * {@code [3, height, width]} holding {@code value / 255}.
     */
    public static INDArray toTensor(RgbImage image) {
        return normalize(image, new float[] {0f, 0f, 0f}, new float[] {1f, 1f, 1f});
    }

    /**
     * torchvision's {@code ToTensor} then {@code Normalize(mean, std)}, in float32 as torch
     * computes them: {@code (value / 255f - mean[c]) / std[c]}, shape {@code [3, h, w]}.
     */
    public static INDArray normalize(RgbImage image, float[] mean, float[] std) {
        if (mean.length != 3 || std.length != 3) {
            throw new IllegalArgumentException("mean and std need 3 values (R, G, B), got "
                    + mean.length + " and " + std.length);
        }
        int w = image.width();
        int h = image.height();
        int plane = w * h;
        byte[] src = image.data();
        float[] out = new float[3 * plane];
        float[][] lut = new float[3][256];
        for (int c = 0; c < 3; c++) {
            if (!(std[c] != 0f)) {
                throw new IllegalArgumentException("std[" + c + "] is " + std[c]);
            }
            for (int v = 0; v < 256; v++) {
                float t = (float) v / 255f;
                lut[c][v] = (t - mean[c]) / std[c];
            }
        }
        for (int i = 0; i < plane; i++) {
            out[i] = lut[0][src[3 * i] & 0xff];
            out[plane + i] = lut[1][src[3 * i + 1] & 0xff];
            out[2 * plane + i] = lut[2][src[3 * i + 2] & 0xff];
        }
        return floats(out, 3, h, w);
    }

    /**
     * A c-order float32 array of the given shape holding {@code values}, copied in bulk (ND4J's
     * {@code create(float[])} copies value by value: most of a data loader's time, measured).
     */
    public static INDArray floats(float[] values, long... shape) {
        INDArray a = Nd4j.createUninitialized(DataType.FLOAT, shape, 'c');
        a.data().asNioFloat().put(0, values, 0, values.length);
        return a;
    }

    /** Stacks CHW tensors of one shape into an NCHW float32 batch. */
    public static INDArray stack(List<INDArray> images) {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("no images to stack");
        }
        long[] shape = images.get(0).shape();
        if (shape.length != 3) {
            throw new IllegalArgumentException("expected CHW tensors, got shape "
                    + java.util.Arrays.toString(shape));
        }
        INDArray[] parts = new INDArray[images.size()];
        for (int i = 0; i < parts.length; i++) {
            INDArray t = images.get(i);
            if (!java.util.Arrays.equals(t.shape(), shape)) {
                throw new IllegalArgumentException("image " + i + " has shape "
                        + java.util.Arrays.toString(t.shape()) + ", image 0 has "
                        + java.util.Arrays.toString(shape));
            }
            parts[i] = t.castTo(DataType.FLOAT).reshape(1, shape[0], shape[1], shape[2]);
        }
        // one copy of each image into a Java array, and one into the batch: Nd4j.concat of a
        // batch of 256 small images took about half of a data loader's time (measured)
        long each = shape[0] * shape[1] * shape[2];
        if ((long) parts.length * each > Integer.MAX_VALUE - 8) return Nd4j.concat(0, parts);
        float[] all = new float[(int) (parts.length * each)];
        for (int i = 0; i < parts.length; i++) {
            INDArray p = parts[i];
            if (p.ordering() == 'c' && p.elementWiseStride() == 1 && p.offset() + each <= Integer.MAX_VALUE) {
                p.data().asNioFloat().get((int) p.offset(), all, (int) (i * each), (int) each);
            } else {
                System.arraycopy(p.dup('c').data().asFloat(), 0, all, (int) (i * each), (int) each);
            }
        }
        return floats(all, parts.length, shape[0], shape[1], shape[2]);
    }
}
