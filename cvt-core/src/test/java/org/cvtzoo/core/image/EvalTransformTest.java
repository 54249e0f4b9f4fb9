package org.cvtzoo.core.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** An evaluation transform's checks, accessors and identity (its output is PreprocessParityTest's). */
class EvalTransformTest {
    private static final float[] HALF = {0.5f, 0.5f, 0.5f};

    private static void assertRefused(String message, Executable body) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, body).getMessage());
    }

    @Test
    void resizesAreEitherShorterSideOrExact() {
        assertEquals("Resize(256)", EvalTransform.Resize.shorterSide(256).toString());
        assertEquals("Resize((224, 160))", EvalTransform.Resize.exact(224, 160).toString());
        assertTrue(EvalTransform.Resize.shorterSide(1).isShorterSide());
        assertFalse(EvalTransform.Resize.exact(1, 1).isShorterSide());
        String both = "a resize is either a shorter-side size or a (height, width), got ";
        assertRefused(both + "shorter=256 height=1 width=0", () -> new EvalTransform.Resize(256, 1, 0));
        assertRefused(both + "shorter=256 height=0 width=1", () -> new EvalTransform.Resize(256, 0, 1));
        assertRefused(both + "shorter=0 height=0 width=5", () -> EvalTransform.Resize.exact(0, 5));
        assertRefused(both + "shorter=0 height=5 width=0", () -> EvalTransform.Resize.exact(5, 0));
    }

    @Test
    void valuesAreChecked() {
        EvalTransform.Resize r = EvalTransform.Resize.shorterSide(8);
        assertRefused("resize is required", () -> new EvalTransform(null, 0, HALF, HALF, "bicubic"));
        assertRefused("crop must be positive or 0 (none), got -1", () -> new EvalTransform(r, -1, HALF, HALF, "bicubic"));
        assertRefused("mean and std need 3 values (R, G, B)", () -> new EvalTransform(r, 0, null, HALF, "bicubic"));
        assertRefused("mean and std need 3 values (R, G, B)", () -> new EvalTransform(r, 0, HALF, null, "bicubic"));
        assertRefused("mean and std need 3 values (R, G, B)", () -> new EvalTransform(r, 0, new float[2], HALF, "bicubic"));
        assertRefused("mean and std need 3 values (R, G, B)", () -> new EvalTransform(r, 0, HALF, new float[4], "bicubic"));
        for (float bad : new float[] {0f, Float.NaN, Float.POSITIVE_INFINITY}) {
            assertRefused("std values must be finite and non-zero",
                    () -> new EvalTransform(r, 0, HALF, new float[] {0.5f, bad, 0.5f}, "bicubic"));
        }
        assertRefused("unknown interpolation 'nearest' (box, bilinear, hamming, bicubic, lanczos)",
                () -> new EvalTransform(r, 0, HALF, HALF, "nearest"));
        assertRefused("crop fraction must be in (0, 1], got NaN", () -> EvalTransform.centerCrop(224, Double.NaN, HALF, HALF, "bicubic"));
        assertEquals(EvalTransform.Resize.shorterSide(224), EvalTransform.centerCrop(224, 1.0, HALF, HALF, "bicubic").resize());
        assertEquals(EvalTransform.Resize.shorterSide(248), EvalTransform.centerCrop(224, 0.9, HALF, HALF, "bicubic").resize());
    }

    @Test
    void accessorsCopyAndDescribe() {
        float[] mean = EvalTransform.imagenetMean();
        EvalTransform t = EvalTransform.centerCrop(224, 0.875, mean, EvalTransform.imagenetStd(), "bicubic");
        mean[0] = 9;
        assertArrayEquals(new float[] {0.485f, 0.456f, 0.406f}, t.mean(), "the mean is copied in");
        t.mean()[0] = 9;
        t.std()[0] = 9;
        assertArrayEquals(new float[] {0.485f, 0.456f, 0.406f}, t.mean(), "and out");
        assertArrayEquals(new float[] {0.229f, 0.224f, 0.225f}, t.std());
        assertTrue(t.hasCrop());
        assertEquals(224, t.crop());
        assertEquals(Interpolation.BICUBIC, t.filter());
        assertEquals("EvalTransform[Resize(256), CenterCrop(224), mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225], bicubic]",
                t.toString());
        EvalTransform exact = EvalTransform.resizeTo(32, 48, HALF, HALF, "bilinear");
        assertFalse(exact.hasCrop());
        assertEquals("EvalTransform[Resize((32, 48)), mean=[0.5, 0.5, 0.5], std=[0.5, 0.5, 0.5], bilinear]", exact.toString());
    }

    @Test
    void equalWhenTheyTransformAlike() {
        EvalTransform t = EvalTransform.centerCrop(224, 0.875, HALF, HALF, "bicubic");
        EvalTransform alias = EvalTransform.centerCrop(224, 0.875, HALF.clone(), HALF.clone(), "CUBIC");
        assertEquals(t, alias);
        assertEquals(t.hashCode(), alias.hashCode());
        assertNotEquals(t, EvalTransform.centerCrop(224, 0.9, HALF, HALF, "bicubic"));
        assertNotEquals(t, new EvalTransform(t.resize(), 0, HALF, HALF, "bicubic"));
        assertNotEquals(t, EvalTransform.centerCrop(224, 0.875, EvalTransform.imagenetMean(), HALF, "bicubic"));
        assertNotEquals(t, EvalTransform.centerCrop(224, 0.875, HALF, EvalTransform.imagenetStd(), "bicubic"));
        assertNotEquals(t, EvalTransform.centerCrop(224, 0.875, HALF, HALF, "bilinear"));
        assertNotEquals(t.hashCode(), EvalTransform.centerCrop(224, 0.875, HALF, HALF, "bilinear").hashCode());
        assertNotEquals(t, "EvalTransform");
    }
}
