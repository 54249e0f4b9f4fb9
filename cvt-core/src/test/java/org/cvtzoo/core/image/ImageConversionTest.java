package org.cvtzoo.core.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.DirectColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The JPEG header walk that drops an embedded ICC profile, on marker streams laid out by hand
 * (ITU T.81: a segment is FF, marker, a big-endian length that counts itself, payload), and the
 * conversion of decoded rasters to RGB on images built in memory.
 */
class ImageConversionTest {
    private static final byte[] SOI = bytes(0xff, 0xd8);
    private static final byte[] APP0 = bytes(0xff, 0xe0, 0x00, 0x04, 0xaa, 0xbb);
    private static final byte[] SOS = bytes(0xff, 0xda, 0x00, 0x03, 0xcc);
    private static final byte[] SCAN = bytes(0x11, 0x22, 0xff, 0xd9);

    private static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** An APP2 segment of {@code tag} then {@code extra} bytes of payload. */
    private static byte[] app2(String tag, int extra) {
        byte[] t = tag.getBytes(StandardCharsets.US_ASCII);
        int length = 2 + t.length + extra;
        return concat(bytes(0xff, 0xe2, length >> 8, length & 0xff), t, new byte[extra]);
    }

    private static final byte[] ICC = app2("ICC_PROFILE\0", 2);

    @Test
    void iccProfileSegmentsAreDroppedAndTheRestKept() {
        assertArrayEquals(concat(SOI, APP0, SOS, SCAN), Images.withoutIccProfile(concat(SOI, ICC, APP0, SOS, SCAN)));
        assertArrayEquals(concat(SOI, APP0, SOS, SCAN), Images.withoutIccProfile(concat(SOI, APP0, ICC, ICC, SOS, SCAN)));
        // fill bytes before a marker are kept
        assertArrayEquals(concat(SOI, bytes(0xff), APP0, SOS, SCAN),
                Images.withoutIccProfile(concat(SOI, ICC, bytes(0xff), APP0, SOS, SCAN)));
        // a profile segment with no profile bytes at all, and one of a marker below the restart markers
        assertArrayEquals(concat(SOI, SOS, SCAN), Images.withoutIccProfile(concat(SOI, app2("ICC_PROFILE\0", 0), SOS, SCAN)));
        byte[] sof15 = bytes(0xff, 0xcf, 0x00, 0x02);
        assertArrayEquals(concat(SOI, sof15, SOS, SCAN), Images.withoutIccProfile(concat(SOI, sof15, ICC, SOS, SCAN)));
        // a scan whose header ends the data, and one that is just its header
        assertArrayEquals(concat(SOI, SOS), Images.withoutIccProfile(concat(SOI, ICC, SOS)));
        byte[] bareSos = bytes(0xff, 0xda, 0x00, 0x02);
        assertArrayEquals(concat(SOI, bareSos), Images.withoutIccProfile(concat(SOI, ICC, bareSos)));
    }

    @Test
    void streamsWithoutAProfileOrThatCannotBeWalkedAreLeftAlone() {
        byte[][] unchanged = {
            concat(SOI, APP0, SOS, SCAN),                              // no profile
            concat(SOI, app2("XMP\0", 20), SOS, SCAN),                  // another APP2
            concat(SOI, app2("ICC_PROFILE!", 2), SOS, SCAN),             // tag without its NUL
            concat(bytes(0x89, 0xd8), ICC, SOS, SCAN),                  // not a JPEG
            concat(bytes(0xff, 0xd9), ICC, SOS, SCAN),
            concat(SOI, ICC, bytes(0x00), APP0, SOS, SCAN),             // not a marker
            concat(SOI, ICC, SOI, SOS, SCAN),                           // standalone markers
            concat(SOI, ICC, bytes(0xff, 0x01, 0x00, 0x02), SOS, SCAN),
            concat(SOI, ICC, bytes(0xff, 0xd0, 0x00, 0x02), SOS, SCAN),
            concat(SOI, ICC, bytes(0xff, 0xd7, 0x00, 0x02), SOS, SCAN),
            concat(SOI, ICC, bytes(0xff, 0xd9, 0x00, 0x02), SOS, SCAN), // end of image before the scan
            concat(SOI, ICC, bytes(0xff, 0xe0, 0x00, 0x01), SOS, SCAN), // a length below 2
            concat(SOI, ICC, bytes(0xff, 0xe0, 0x00, 0x09, 0x00)),      // a segment past the end
            concat(SOI, ICC, bytes(0xff, 0xe0, 0x00, 0x05, 0x00, 0x00)), // ... by one byte
            concat(SOI, bytes(0xff, 0xe2, 0x00, 0x02), bytes(0xff, 0xda, 0x00, 0x02)), // an empty APP2 near the end
            concat(SOI, ICC, APP0),                                    // no scan
            concat(SOI, ICC, bytes(0xff, 0xda, 0x00)),                 // a cut marker
            bytes(0xff),
            SOI,
        };
        for (byte[] b : unchanged) {
            assertSame(b, Images.withoutIccProfile(b));
        }
    }

    @Test
    void decodingIgnoresTheProfile() throws Exception {
        byte[] jpeg = java.nio.file.Files.readAllBytes(org.cvtzoo.core.Fixtures.IMAGE.path("rocket.jpg"));
        byte[] withProfile = concat(SOI, ICC, java.util.Arrays.copyOfRange(jpeg, 2, jpeg.length));
        assertEquals(Images.decode(jpeg, "rocket.jpg"), Images.decode(withProfile, "with-profile.jpg"));
    }

    @Test
    void paletteIndicesOutsideThePaletteAreRefused() {
        IndexColorModel two = new IndexColorModel(2, 2, bytes(10, 200), bytes(20, 210), bytes(30, 220));
        WritableRaster raster = two.createCompatibleWritableRaster(2, 1);
        raster.setSample(0, 0, 0, 1);
        raster.setSample(1, 0, 0, 0);
        RgbImage ok = Images.toRgb(new BufferedImage(two, raster, false, null), "p");
        assertArrayEquals(bytes(200, 210, 220, 10, 20, 30), ok.toBytes());
        raster.setSample(1, 0, 0, 2);
        ImageException e = assertThrows(ImageException.class,
                () -> Images.toRgb(new BufferedImage(two, raster, false, null), "p.png"));
        assertEquals("p.png: palette index 2 outside the palette of 2 colours", e.getMessage());
    }

    @Test
    void samplesOfFewerOrMoreThan8BitsAreScaled() {
        // 5-6-5 bit RGB: v * 255 / (2^bits - 1), integer division
        BufferedImage rgb565 = new BufferedImage(2, 1, BufferedImage.TYPE_USHORT_565_RGB);
        rgb565.getRaster().setPixel(0, 0, new int[] {31, 32, 1});
        rgb565.getRaster().setPixel(1, 0, new int[] {0, 63, 16});
        assertArrayEquals(bytes(255, 129, 8, 0, 255, 131), Images.toRgb(rgb565, "565").toBytes());
        // 16-bit grey without alpha is clipped to 255, as PIL's mode I to L
        BufferedImage grey16 = new BufferedImage(3, 1, BufferedImage.TYPE_USHORT_GRAY);
        grey16.getRaster().setSamples(0, 0, 3, 1, 0, new int[] {200, 255, 65535});
        assertArrayEquals(bytes(200, 200, 200, 255, 255, 255, 255, 255, 255), Images.toRgb(grey16, "g16").toBytes());
    }

    /** A colour space of {@code type} that only names itself (its conversions are never called). */
    private static ColorSpace space(int type, int components) {
        return new ColorSpace(type, components) {
            @Override
            public float[] toRGB(float[] v) {
                throw new UnsupportedOperationException();
            }

            @Override
            public float[] fromRGB(float[] v) {
                throw new UnsupportedOperationException();
            }

            @Override
            public float[] toCIEXYZ(float[] v) {
                throw new UnsupportedOperationException();
            }

            @Override
            public float[] fromCIEXYZ(float[] v) {
                throw new UnsupportedOperationException();
            }
        };
    }

    private static BufferedImage image(ColorSpace cs, int dataType) {
        ComponentColorModel cm = new ComponentColorModel(cs, false, false, Transparency.OPAQUE, dataType);
        return new BufferedImage(cm, cm.createCompatibleWritableRaster(2, 2), false, null);
    }

    @Test
    void colourSpacesOtherThanGreyRgbAnd8BitCmykAreRefused() {
        String only = " colour components); only grey, RGB and palette images are supported";
        Object[][] cases = {
            {ColorSpace.TYPE_YCbCr, 3, DataBuffer.TYPE_BYTE, "YCbCr with 3"},
            {ColorSpace.TYPE_CMY, 3, DataBuffer.TYPE_BYTE, "CMY with 3"},
            {ColorSpace.TYPE_CMYK, 4, DataBuffer.TYPE_USHORT, "CMYK with 4"},
            {ColorSpace.TYPE_HSV, 3, DataBuffer.TYPE_BYTE, "colour space type " + ColorSpace.TYPE_HSV + " with 3"},
            {ColorSpace.TYPE_RGB, 4, DataBuffer.TYPE_BYTE, "colour space type " + ColorSpace.TYPE_RGB + " with 4"},
            {ColorSpace.TYPE_GRAY, 2, DataBuffer.TYPE_BYTE, "colour space type " + ColorSpace.TYPE_GRAY + " with 2"},
        };
        for (Object[] c : cases) {
            BufferedImage im = image(space((int) c[0], (int) c[1]), (int) c[2]);
            ImageException e = assertThrows(ImageException.class, () -> Images.toRgb(im, "x.tif"));
            assertEquals("x.tif: unsupported colour space (" + c[3] + only, e.getMessage());
        }
        for (int type : new int[] {DataBuffer.TYPE_FLOAT, DataBuffer.TYPE_DOUBLE}) {
            BufferedImage im = image(ColorSpace.getInstance(ColorSpace.CS_sRGB), type);
            ImageException e = assertThrows(ImageException.class, () -> Images.toRgb(im, "f.tif"));
            assertEquals("f.tif: unsupported sample type (floating-point samples); only 1- to 16-bit integer images"
                    + " are supported", e.getMessage());
        }
        BufferedImage int32 = image(ColorSpace.getInstance(ColorSpace.CS_GRAY), DataBuffer.TYPE_INT);
        ImageException e = assertThrows(ImageException.class, () -> Images.toRgb(int32, "i.tif"));
        assertEquals("i.tif: unsupported 32-bit samples; only 1- to 16-bit images are supported", e.getMessage());
    }

    @Test
    void oneBitSamplesAreScaledTo255() {
        // one bit each of red, green and blue, packed in an int
        BufferedImage rgb111 = new BufferedImage(new DirectColorModel(3, 0b100, 0b010, 0b001),
                new DirectColorModel(3, 0b100, 0b010, 0b001).createCompatibleWritableRaster(2, 1), false, null);
        rgb111.getRaster().setPixel(0, 0, new int[] {1, 0, 1});
        rgb111.getRaster().setPixel(1, 0, new int[] {0, 1, 0});
        assertArrayEquals(bytes(255, 0, 255, 0, 255, 0), Images.toRgb(rgb111, "111").toBytes());
    }

    @Test
    void brokenFilesSayTruncatedOrBrokenWithTheDecodersReason() {
        Path png = org.cvtzoo.core.Fixtures.IMAGE.path("horse_truncated.png");
        String m = assertThrows(ImageException.class, () -> Images.read(png)).getMessage();
        // the reader's message, then its cause's (an EOFException: so "truncated")
        assertTrue(m.startsWith(png + ": truncated PNG file (Error reading PNG image data: ") && m.endsWith(")"), m);
        Path jpeg = org.cvtzoo.core.Fixtures.IMAGE.path("truncated.jpg");
        assertEquals(jpeg + ": broken JPEG file (Bogus Huffman table definition)",
                assertThrows(ImageException.class, () -> Images.read(jpeg)).getMessage());
    }

    @Test
    void resizingToNothingIsRefused() {
        RgbImage im = RgbImageTest.numbered(3, 2);
        assertEquals("image size must be positive, got 0x5",
                assertThrows(IllegalArgumentException.class, () -> Resampler.resize(im, 5, 0, Interpolation.BICUBIC)).getMessage());
    }
}
