package org.cvtzoo.core.image;

import static org.cvtzoo.core.Fixtures.IMAGE;
import static org.cvtzoo.core.Fixtures.sha256;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Resize, CenterCrop and the presets, against Pillow / torchvision (ops.json) and by rule. */
class TransformsTest {

    static Stream<Arguments> resizes() {
        List<Arguments> out = new ArrayList<>();
        IMAGE.json("ops.json").get("resize").fieldNames().forEachRemaining(k -> {
            String[] p = k.split("/");
            String[] wh = p[2].split("x");
            out.add(Arguments.of(p[0], p[1], Integer.parseInt(wh[0]), Integer.parseInt(wh[1])));
        });
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2}x{3}")
    @MethodSource("resizes")
    void resizeEqualsPillow(String image, String filter, int width, int height) {
        JsonNode want = IMAGE.json("ops.json").get("resize")
                .get(image + "/" + filter + "/" + width + "x" + height);
        RgbImage got = Resampler.resize(Images.read(IMAGE.path(image)), height, width,
                Interpolation.named(filter));
        assertEquals(width, got.width());
        assertEquals(height, got.height());
        assertEquals(want.get("sha256").asText(), sha256(got.toBytes()),
                image + " " + filter + " " + width + "x" + height);
    }

    static Stream<Arguments> crops() {
        List<Arguments> out = new ArrayList<>();
        IMAGE.json("ops.json").get("center_crop").fieldNames().forEachRemaining(k -> {
            String[] p = k.split("/");
            String[] hw = p[1].split("x");
            out.add(Arguments.of(p[0], Integer.parseInt(hw[0]), Integer.parseInt(hw[1])));
        });
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}x{2}")
    @MethodSource("crops")
    void centerCropEqualsTorchvision(String image, int height, int width) {
        JsonNode want = IMAGE.json("ops.json").get("center_crop")
                .get(image + "/" + height + "x" + width);
        RgbImage got = Transforms.centerCrop(Images.read(IMAGE.path(image)), height,
                width);
        assertEquals(width, got.width());
        assertEquals(height, got.height());
        assertEquals(want.get("sha256").asText(), sha256(got.toBytes()),
                image + " crop " + height + "x" + width);
    }

    @ParameterizedTest
    @CsvSource({"300, 451, 256, 256, 384", "451, 300, 256, 384, 256", "100, 100, 7, 7, 7",
            "427, 640, 248, 248, 371", "3, 1000, 256, 256, 85333", "1000, 3, 5, 1666, 5"})
    void shorterSideRule(int h, int w, int size, int wantH, int wantW) {
        assertArrayEquals(new int[] {wantH, wantW}, Transforms.shorterSideSize(h, w, size));
    }

    @Test
    void resizeAndCenterCropEqualsTheTwoSteps() {
        java.util.Random rng = new java.util.Random(11);
        for (int trial = 0; trial < 60; trial++) {
            int w = 1 + rng.nextInt(90), h = 1 + rng.nextInt(90);
            byte[] px = new byte[w * h * 3];
            rng.nextBytes(px);
            RgbImage image = RgbImage.of(w, h, px);
            Interpolation f = Interpolation.values()[rng.nextInt(Interpolation.values().length)];
            // sometimes one side keeps its size (that pass is skipped), sometimes the crop is larger (padded)
            int outH = rng.nextInt(4) == 0 ? h : 1 + rng.nextInt(80), outW = rng.nextInt(4) == 0 ? w : 1 + rng.nextInt(80);
            int cropH = 1 + rng.nextInt(outH + 4), cropW = 1 + rng.nextInt(outW + 4);
            RgbImage expected = Transforms.centerCrop(Transforms.resize(image, outH, outW, f), cropH, cropW);
            RgbImage actual = Transforms.resizeAndCenterCrop(image, outH, outW, cropH, cropW, f);
            String what = h + "x" + w + " -> " + outH + "x" + outW + " crop " + cropH + "x" + cropW + " " + f;
            assertEquals(expected, actual, what);
        }
    }

    @Test
    void centerCropOffsetsRoundHalfToEven() {
        // 5 columns, values 0..4 in red; crop 2 wide: (5 - 2) / 2.0 = 1.5 rounds to 2
        byte[] px = new byte[5 * 3];
        for (int x = 0; x < 5; x++) {
            px[x * 3] = (byte) x;
        }
        RgbImage im = RgbImage.of(5, 1, px);
        assertEquals(2, Transforms.centerCrop(im, 1, 2).get(0, 0, 0));
        // (7 - 2) / 2.0 = 2.5 rounds to 2
        byte[] px7 = new byte[7 * 3];
        for (int x = 0; x < 7; x++) {
            px7[x * 3] = (byte) x;
        }
        assertEquals(2, Transforms.centerCrop(RgbImage.of(7, 1, px7), 1, 2).get(0, 0, 0));
    }

    @Test
    void everyResizeTakesHeightThenWidth() {
        RgbImage im = Images.read(IMAGE.path("noise_37x23.png"));
        RgbImage a = Resampler.resize(im, 10, 20, Interpolation.BILINEAR);
        RgbImage b = Transforms.resize(im, 10, 20, Interpolation.BILINEAR);
        assertEquals(10, a.height());
        assertEquals(20, a.width());
        assertEquals(10, b.height());
        assertEquals(20, b.width());
    }

    @Test
    void sameSizeResizeIsIdentity() {
        RgbImage im = Images.read(IMAGE.path("noise_37x23.png"));
        for (Interpolation f : Interpolation.values()) {
            assertSame(im, Resampler.resize(im, 23, 37, f));
        }
    }

    /** timm's and deit's resize-then-crop rule: the shorter side to floor(size / crop fraction). */
    @Test
    void factories() {
        float[] half = {0.5f, 0.5f, 0.5f};
        EvalTransform vit = EvalTransform.centerCrop(224, 0.9, half, half, "bicubic");
        assertEquals(EvalTransform.Resize.shorterSide(248), vit.resize()); // floor(248.9)
        assertEquals(224, vit.crop());
        assertEquals(TorchvisionPresets.named("vit_224"), vit);
        assertEquals(TorchvisionPresets.named("cvt_224"), EvalTransform.centerCrop(224, 0.875,
                EvalTransform.imagenetMean(), EvalTransform.imagenetStd(), "bicubic"));
        assertEquals(TorchvisionPresets.named("cvt_384"), EvalTransform.resizeTo(384, 384,
                EvalTransform.imagenetMean(), EvalTransform.imagenetStd(), "bicubic"));
        assertEquals(EvalTransform.Resize.shorterSide(384), EvalTransform.centerCrop(384, 1.0, half, half, "bicubic").resize());
        assertThrows(IllegalArgumentException.class, () -> EvalTransform.centerCrop(224, 0, half, half, "bicubic"));
        assertThrows(IllegalArgumentException.class, () -> EvalTransform.centerCrop(224, 1.1, half, half, "bicubic"));
        assertThrows(IllegalArgumentException.class, () -> new EvalTransform(
                EvalTransform.Resize.shorterSide(8), 4, new float[3], new float[3], "bicubic"));
        assertThrows(IllegalArgumentException.class, () -> new EvalTransform(
                EvalTransform.Resize.shorterSide(8), 4, new float[3], new float[] {1, 1, 1},
                "nearest"));
        assertThrows(IllegalArgumentException.class,
                () -> new EvalTransform.Resize(5, 3, 3));
    }

    @Test
    void applyBatch() {
        RgbImage a = Images.read(IMAGE.path("chelsea_150x100.bmp"));
        RgbImage b = Images.read(IMAGE.path("green_palette.png"));
        EvalTransform vit = TorchvisionPresets.named("vit_224");
        INDArray batch = vit.applyBatch(List.of(a, b));
        assertArrayEquals(new long[] {2, 3, 224, 224}, batch.shape());
        assertEquals(vit.apply(b), batch.get(
                org.nd4j.linalg.indexing.NDArrayIndex.point(1),
                org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.all()));
    }

    @Test
    void centerCropPadsAsTorchvision() {
        // torchvision pads (crop - size) // 2 before and the rest after, then crops at round((padded - crop) / 2)
        RgbImage im = RgbImageTest.numbered(3, 2);
        assertArrayEquals(new int[][] {{0, 0, 0, 0, 0, 0}, {0, 10, 20, 30, 0, 0}, {0, 40, 50, 60, 0, 0}, {0, 0, 0, 0, 0, 0}},
                RgbImageTest.reds(Transforms.centerCrop(im, 4, 6)));
        assertArrayEquals(new int[][] {{0, 10, 20, 30, 0}}, RgbImageTest.reds(Transforms.centerCrop(im, 1, 5)));
        assertArrayEquals(new int[][] {{0}, {20}, {50}, {0}, {0}}, RgbImageTest.reds(Transforms.centerCrop(im, 5, 1)));
        assertArrayEquals(new int[][] {{10, 20}, {40, 50}}, RgbImageTest.reds(Transforms.centerCrop(im, 2, 2)));
        assertArrayEquals(new int[][] {{20}}, RgbImageTest.reds(Transforms.centerCrop(im, 1, 1)));
        assertSame(im, Transforms.centerCrop(im, 2, 3));
        assertEquals("image size must be positive, got 0x2",
                assertThrows(IllegalArgumentException.class, () -> Transforms.centerCrop(im, 2, 0)).getMessage());
    }

    @Test
    void shorterSideSizesAreChecked() {
        assertEquals("resize size must be positive, got 0",
                assertThrows(IllegalArgumentException.class, () -> Transforms.shorterSideSize(10, 10, 0)).getMessage());
        assertEquals("image size must be positive, got 5x0",
                assertThrows(IllegalArgumentException.class, () -> Transforms.shorterSideSize(0, 5, 3)).getMessage());
        assertArrayEquals(new int[] {1, 1}, Transforms.shorterSideSize(10, 10, 1));
    }

    @Test
    void kernelsAtTheEdgesOfTheirSupportAsPillow() {
        // Pillow's box_filter: -0.5 < x <= 0.5; lanczos_filter: -3 <= x < 3; hamming: 0 from |x| = 1
        assertEquals(0.0, Interpolation.BOX.weight(-0.5));
        assertEquals(1.0, Interpolation.BOX.weight(0.5));
        assertEquals(1.0, Interpolation.BOX.weight(-0.49));
        assertEquals(0.0, Interpolation.BOX.weight(0.51));
        assertEquals(0.0, Interpolation.HAMMING.weight(1.0));
        assertEquals(0.0, Interpolation.HAMMING.weight(-1.0));
        assertEquals(1.0, Interpolation.HAMMING.weight(0.0));
        assertEquals(0.0, Interpolation.LANCZOS.weight(3.0));
        assertTrue(Interpolation.LANCZOS.weight(-3.0) != 0.0, "-3 is inside Pillow's Lanczos support");
        assertEquals(0.0, Interpolation.LANCZOS.weight(-3.01));
        assertEquals(1.0, Interpolation.LANCZOS.weight(0.0));
        assertEquals(0.5, Interpolation.BILINEAR.weight(-0.5));
        assertEquals(0.0, Interpolation.BICUBIC.weight(2.5));
        assertEquals(-0.0625, Interpolation.BICUBIC.weight(1.5));
        assertEquals(0.5625, Interpolation.BICUBIC.weight(-0.5));
    }

    @Test
    void interpolationsByName() {
        assertEquals(Interpolation.BILINEAR, Interpolation.named("linear"));
        assertEquals(Interpolation.BICUBIC, Interpolation.named(" Cubic "));
        assertEquals(Interpolation.LANCZOS, Interpolation.named("LANCZOS"));
        assertEquals(Interpolation.BOX, Interpolation.named("box"));
        assertEquals("unknown interpolation 'nearest' (box, bilinear, hamming, bicubic, lanczos)",
                assertThrows(IllegalArgumentException.class, () -> Interpolation.named("nearest")).getMessage());
        assertEquals(2.0, Interpolation.BICUBIC.support());
    }
}
