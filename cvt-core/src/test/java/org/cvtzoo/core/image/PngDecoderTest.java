package org.cvtzoo.core.image;

import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/** {@link PngDecoder} against the JDK's reader (with {@link Images#toRgb}'s conversion) on real and made-up files. */
class PngDecoderTest {

    /** The JDK's decoding, which {@link PngDecoder} must reproduce. */
    private static RgbImage jdk(byte[] png) throws IOException {
        return Images.toRgb(ImageIO.read(new ByteArrayInputStream(png)), "test");
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = PngDecoderTest.class.getResourceAsStream("/image/" + name)) {
            return in.readAllBytes();
        }
    }

    @Test
    void theTestImagesDecodeAsTheJdkDecodesThem() throws IOException {
        // 8-bit, non-interlaced files: the fast path must take them
        for (String name : List.of("chelsea.png", "camera_320.png", "horse.png", "rgba_random.png", "grey_alpha.png",
                "green_palette.png", "palette_gray.png", "foo3x5x4indexed.png", "noise_37x23.png")) {
            byte[] b = resource(name);
            RgbImage fast = PngDecoder.decode(b);
            assertNotNull(fast, name + " left to the JDK");
            assertImageEquals(jdk(b), fast, name);
        }
        // 16-bit and sub-byte files are left to the JDK's reader
        for (String name : List.of("grey16.png", "rgb16.png", "checker_bilevel.png")) {
            assertNull(PngDecoder.decode(resource(name)), name);
        }
    }

    @Test
    void everyColourTypeAndFilterMatchesTheJdk() throws IOException {
        Random rng = new Random(3);
        for (int colourType : new int[] {0, 2, 3, 4, 6}) {
            for (int filter = 0; filter <= 5; filter++) { // 5: a different filter on each row
                for (int chunk : new int[] {1, 7, 1 << 20}) {
                    int w = 1 + rng.nextInt(40), h = 1 + rng.nextInt(30);
                    byte[] png = encode(w, h, colourType, filter, chunk, rng, false);
                    RgbImage fast = PngDecoder.decode(png);
                    String what = "colour type " + colourType + ", filter " + filter + ", IDAT chunks of " + chunk;
                    assertNotNull(fast, what);
                    assertImageEquals(jdk(png), fast, what);
                }
            }
        }
    }

    @Test
    void filesItFindsWrongAreLeftToTheJdk() throws IOException {
        Random rng = new Random(5);
        byte[] png = encode(20, 10, 2, 5, 1 << 20, rng, false);
        assertNotNull(PngDecoder.decode(png));
        for (int cut : new int[] {10, 40, png.length / 2, png.length - 12, png.length - 1}) {
            assertNull(PngDecoder.decode(Arrays.copyOf(png, cut)), "cut at " + cut);
        }
        assertNull(PngDecoder.decode(encode(20, 10, 2, 5, 1 << 20, rng, true)), "more pixel data than the image holds");
        byte[] badIndex = encode(6, 4, 3, 0, 1 << 20, new Random(7), false);
        assertNull(PngDecoder.decode(withPalette(badIndex, 2)), "palette index past a short palette");
        assertNull(PngDecoder.decode("not a png at all".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void imagesDecodeStillReportsBrokenFiles() throws IOException {
        byte[] png = encode(20, 10, 6, 5, 1 << 20, new Random(9), false);
        ImageException e = org.junit.jupiter.api.Assertions.assertThrows(ImageException.class,
                () -> Images.decode(Arrays.copyOf(png, png.length / 2), "half.png"));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().startsWith("half.png: "), e.getMessage());
        assertImageEquals(jdk(png), Images.decode(png, "whole.png"), "whole");
    }

    private static void assertImageEquals(RgbImage expected, RgbImage actual, String what) {
        assertEquals(expected.width(), actual.width(), what);
        assertEquals(expected.height(), actual.height(), what);
        assertArrayEquals(expected.toBytes(), actual.toBytes(), what);
    }

    /**
     * A PNG of random 8-bit pixels, its rows filtered with {@code filter} (0-4, or 5 for each row's
     * own), its zlib stream cut into IDAT chunks of {@code chunk} bytes; {@code extraRow} appends
     * a row that the header does not announce.
     */
    static byte[] encode(int w, int h, int colourType, int filter, int chunk, Random rng, boolean extraRow) throws IOException {
        int bpp = switch (colourType) {
            case 0, 3 -> 1;
            case 4 -> 2;
            case 2 -> 3;
            default -> 4;
        };
        int stride = w * bpp, rows = h + (extraRow ? 1 : 0);
        byte[] pixels = new byte[stride * rows];
        rng.nextBytes(pixels);
        if (colourType == 3) for (int i = 0; i < pixels.length; i++) pixels[i] = (byte) (pixels[i] & 0x0f); // 16 colours
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        for (int y = 0; y < rows; y++) {
            int f = filter == 5 ? y % 5 : filter;
            raw.write(f);
            for (int x = 0; x < stride; x++) {
                int cur = pixels[y * stride + x] & 0xff;
                int a = x >= bpp ? pixels[y * stride + x - bpp] & 0xff : 0, b = y > 0 ? pixels[(y - 1) * stride + x] & 0xff : 0;
                int c = x >= bpp && y > 0 ? pixels[(y - 1) * stride + x - bpp] & 0xff : 0;
                int predicted = switch (f) {
                    case 0 -> 0;
                    case 1 -> a;
                    case 2 -> b;
                    case 3 -> (a + b) / 2;
                    default -> paeth(a, b, c);
                };
                raw.write((cur - predicted) & 0xff);
            }
        }
        Deflater d = new Deflater();
        d.setInput(raw.toByteArray());
        d.finish();
        ByteArrayOutputStream z = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        while (!d.finished()) z.write(buf, 0, d.deflate(buf));
        d.end();
        byte[] zlib = z.toByteArray();

        ByteArrayOutputStream png = new ByteArrayOutputStream();
        png.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        byte[] ihdr = new byte[13];
        putInt(ihdr, 0, w);
        putInt(ihdr, 4, h);
        ihdr[8] = 8;
        ihdr[9] = (byte) colourType;
        chunk(png, "IHDR", ihdr);
        if (colourType == 3) {
            byte[] plte = new byte[16 * 3];
            rng.nextBytes(plte);
            chunk(png, "PLTE", plte);
        }
        chunk(png, "gAMA", new byte[] {0, 0, (byte) 0xb1, (byte) 0x8f}); // ignored by both
        for (int i = 0; i < zlib.length; i += chunk) chunk(png, "IDAT", Arrays.copyOfRange(zlib, i, Math.min(zlib.length, i + chunk)));
        chunk(png, "IEND", new byte[0]);
        return png.toByteArray();
    }

    /** The file with its PLTE chunk cut to {@code colours} entries. */
    private static byte[] withPalette(byte[] png, int colours) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(png, 0, 8);
        for (int pos = 8; pos < png.length; ) {
            int length = ((png[pos] & 0xff) << 24) | ((png[pos + 1] & 0xff) << 16) | ((png[pos + 2] & 0xff) << 8) | (png[pos + 3] & 0xff);
            String type = new String(png, pos + 4, 4, StandardCharsets.US_ASCII);
            byte[] data = Arrays.copyOfRange(png, pos + 8, pos + 8 + length);
            chunk(out, type, type.equals("PLTE") ? Arrays.copyOf(data, colours * 3) : data);
            pos += 12 + length;
        }
        return out.toByteArray();
    }

    private static int paeth(int a, int b, int c) {
        int p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) throws IOException {
        byte[] len = new byte[4];
        putInt(len, 0, data.length);
        out.write(len);
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        out.write(t);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        byte[] c = new byte[4];
        putInt(c, 0, (int) crc.getValue());
        out.write(c);
    }

    private static void putInt(byte[] b, int i, int v) {
        b[i] = (byte) (v >>> 24);
        b[i + 1] = (byte) (v >>> 16);
        b[i + 2] = (byte) (v >>> 8);
        b[i + 3] = (byte) v;
    }
}
