package org.cvtzoo.core.image;

import static org.cvtzoo.core.Fixtures.IMAGE;
import static org.cvtzoo.core.Fixtures.sha256;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.cvtzoo.core.ZooException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Decoding against PIL's Image.open(p).convert('RGB') (decode.json, from make_fixtures.py). */
class ImagesTest {

    static Stream<String> readable() {
        List<String> names = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = IMAGE.json("decode.json")
                .fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().has("error")) {
                names.add(e.getKey());
            }
        }
        return names.stream();
    }

    static Stream<String> broken() {
        List<String> names = new ArrayList<>();
        IMAGE.json("decode.json").fields().forEachRemaining(e -> {
            if (e.getValue().has("error")) {
                names.add(e.getKey());
            }
        });
        return names.stream();
    }

    @ParameterizedTest
    @MethodSource("readable")
    void decodesLikePilConvertRgb(String name) {
        JsonNode want = IMAGE.json("decode.json").get(name);
        RgbImage im = Images.read(IMAGE.path(name));
        assertEquals(want.get("width").asInt(), im.width(), name + " width");
        assertEquals(want.get("height").asInt(), im.height(), name + " height");
        long[] sums = new long[3];
        byte[] b = im.toBytes();
        for (int i = 0; i < b.length; i++) {
            sums[i % 3] += b[i] & 0xff;
        }
        long[] wantSums = new long[3];
        for (int c = 0; c < 3; c++) {
            wantSums[c] = want.get("sums").get(c).asLong();
        }
        assertArrayEquals(wantSums, sums, name + " (" + want.get("mode").asText()
                + ") channel sums");
        assertEquals(want.get("sha256").asText(), sha256(b),
                name + " RGB bytes");
    }

    @ParameterizedTest
    @MethodSource("broken")
    void brokenFilesAreImageExceptionsNamingTheFile(String name) {
        Path p = IMAGE.path(name);
        ImageException e = assertThrows(ImageException.class, () -> Images.read(p));
        assertTrue(e.getMessage().startsWith(p.toString() + ": "), e.getMessage());
        if (name.contains("truncated")) {
            assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        }
    }

    @Test
    void declaredSizeIsWhatDecodingGives() throws Exception {
        for (String name : List.of("chelsea.png", "rocket.jpg")) {
            byte[] bytes = java.nio.file.Files.readAllBytes(IMAGE.path(name));
            RgbImage img = Images.decode(bytes, name);
            assertArrayEquals(new long[] {img.width(), img.height()}, Images.declaredSize(bytes), name);
        }
        assertEquals(null, Images.declaredSize("not an image".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
        assertEquals(null, Images.declaredSize(new byte[0]));
        byte[] huge = java.nio.file.Files.readAllBytes(IMAGE.path("chelsea.png"));
        java.util.Arrays.fill(huge, 16, 20, (byte) 0xff); // a width past 2^31 - 1: no size, and decoding says what is wrong
        assertEquals(null, Images.declaredSize(huge));
    }

    @Test
    void missingFile(@TempDir Path dir) {
        Path p = dir.resolve("nope.jpg");
        ImageException e = assertThrows(ImageException.class, () -> Images.read(p));
        assertEquals("no such file: " + p, e.getMessage());
        assertTrue(e instanceof ZooException);
    }

    @Test
    void truncatedJpegSaysSo() {
        Path p = IMAGE.path("rocket_truncated.jpg");
        ImageException e = assertThrows(ImageException.class, () -> Images.read(p));
        assertTrue(e.getMessage().startsWith(p + ": JPEG image file is truncated ("),
                e.getMessage());
    }

    @Test
    void trailingDataAfterJpegEndIsIgnored(@TempDir Path dir) throws Exception {
        // as PIL ignores it (e.g. a video appended to a "motion photo")
        byte[] jpeg = java.nio.file.Files.readAllBytes(IMAGE.path("rocket.jpg"));
        byte[] longer = java.util.Arrays.copyOf(jpeg, jpeg.length + 10000);
        java.util.Arrays.fill(longer, jpeg.length, longer.length, (byte) 0x55);
        Path p = dir.resolve("trailing.jpg");
        java.nio.file.Files.write(p, longer);
        assertEquals(Images.read(IMAGE.path("rocket.jpg")), Images.read(p));
    }

    @Test
    void directoryIsNotAnImage(@TempDir Path dir) {
        ImageException e = assertThrows(ImageException.class, () -> Images.read(dir));
        assertTrue(e.getMessage().startsWith(dir + ": "), e.getMessage());
    }

    @Test
    void greyIsReplicatedAndAlphaDropped() {
        RgbImage grey = Images.read(IMAGE.path("camera_320.png"));
        for (int y = 0; y < grey.height(); y += 37) {
            for (int x = 0; x < grey.width(); x += 41) {
                assertEquals(grey.get(x, y, 0), grey.get(x, y, 1));
                assertEquals(grey.get(x, y, 0), grey.get(x, y, 2));
            }
        }
    }

    @Test
    void toTensorAndStack() {
        RgbImage im = RgbImage.of(2, 1, new byte[] {0, 1, 2, (byte) 255, (byte) 128, 51});
        var t = Images.toTensor(im);
        assertArrayEquals(new long[] {3, 1, 2}, t.shape());
        assertEquals(0f, t.getFloat(0, 0, 0));
        assertEquals(1f, t.getFloat(0, 0, 1));
        assertEquals(128f / 255f, t.getFloat(1, 0, 1));
        assertEquals(0.2f, t.getFloat(2, 0, 1));
        var batch = Images.stack(List.of(t, t.mul(2)));
        assertArrayEquals(new long[] {2, 3, 1, 2}, batch.shape());
        assertEquals(2f, batch.getFloat(1, 0, 0, 1));
        assertThrows(IllegalArgumentException.class,
                () -> Images.stack(List.of(t, Images.toTensor(RgbImage.of(1, 1, new byte[3])))));
        assertThrows(IllegalArgumentException.class, () -> Images.stack(List.of()));
    }
}
