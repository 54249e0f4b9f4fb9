package org.cvtzoo.zoo.datavec;

import org.cvtzoo.core.ZooException;
import org.cvtzoo.core.image.EvalTransform;
import org.cvtzoo.core.image.Images;
import org.cvtzoo.core.image.RgbImage;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** DataVec's BGR 0..255 pixels into the model's input, against the zoo's own normalisation. */
public class ZooPreProcessorTest {
    static final EvalTransform EVAL = EvalTransform.centerCrop(16, 0.875, EvalTransform.imagenetMean(),
            EvalTransform.imagenetStd(), "bicubic");

    static RgbImage random(int w, int h, long seed) {
        byte[] b = new byte[w * h * 3];
        new Random(seed).nextBytes(b);
        return RgbImage.of(w, h, b);
    }

    /** The image as DataVec gives it: float NCHW 0..255, channels in {@code order}. */
    static INDArray pixels(RgbImage img, ZooPreProcessor.ChannelOrder order) {
        INDArray x = Nd4j.create(DataType.FLOAT, 1, 3, img.height(), img.width());
        for (int c = 0; c < 3; c++) {
            int from = order == ZooPreProcessor.ChannelOrder.BGR ? 2 - c : c;
            for (int y = 0; y < img.height(); y++) {
                for (int x0 = 0; x0 < img.width(); x0++) x.putScalar(new long[]{0, c, y, x0}, img.get(x0, y, from));
            }
        }
        return x;
    }

    @Test
    void bgrPixelsBecomeWhatImagesNormalizeGives() {
        RgbImage a = random(16, 16, 1), b = random(16, 16, 2);
        INDArray expected = Images.stack(java.util.List.of(Images.normalize(a, EVAL.mean(), EVAL.std()),
                Images.normalize(b, EVAL.mean(), EVAL.std())));
        for (ZooPreProcessor.ChannelOrder order : ZooPreProcessor.ChannelOrder.values()) {
            DataSet d = new DataSet(Nd4j.concat(0, pixels(a, order), pixels(b, order)), Nd4j.zeros(2, 2));
            new ZooPreProcessor(EVAL, order).preProcess(d);
            assertEquals(expected, d.getFeatures(), order.toString()); // exactly, float for float
        }
        DataSet d = new DataSet(pixels(a, ZooPreProcessor.ChannelOrder.RGB), Nd4j.zeros(1, 2));
        new ZooPreProcessor(EVAL, ZooPreProcessor.ChannelOrder.BGR).preProcess(d); // the wrong order: other input
        assertFalse(d.getFeatures().equalsWithEps(expected.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 1)), 1e-3));
    }

    @Test
    void inputThatCannotBePixelsIsAnError() {
        ZooPreProcessor p = new ZooPreProcessor(EVAL, ZooPreProcessor.ChannelOrder.BGR);
        INDArray normalised = Images.normalize(random(16, 16, 3), EVAL.mean(), EVAL.std()).reshape(1, 3, 16, 16);
        ZooException e = assertThrows(ZooException.class, () -> p.apply(normalised));
        assertTrue(e.getMessage().contains("0..255") && e.getMessage().contains("already normalised"), e.getMessage());
        e = assertThrows(ZooException.class, () -> p.apply(Nd4j.zeros(DataType.FLOAT, 1, 3, 20, 20)));
        assertTrue(e.getMessage().contains("20x20") && e.getMessage().contains("16x16")
                && e.getMessage().contains("ZooImageTransform.recordReader"), e.getMessage());
        e = assertThrows(ZooException.class, () -> p.apply(Nd4j.zeros(DataType.FLOAT, 1, 1, 16, 16)));
        assertTrue(e.getMessage().contains("[B, 3, H, W]"), e.getMessage());
        EvalTransform varying = new EvalTransform(EvalTransform.Resize.shorterSide(16), 0, EVAL.mean(), EVAL.std(), "bicubic");
        e = assertThrows(ZooException.class, () -> new ZooPreProcessor(varying, ZooPreProcessor.ChannelOrder.BGR));
        assertTrue(e.getMessage().contains("varying size"), e.getMessage());
    }

    @Test
    void scaledPixelsAreWarnedAboutOnce() {
        ZooPreProcessor p = new ZooPreProcessor(EVAL, ZooPreProcessor.ChannelOrder.BGR);
        INDArray scaled = pixels(random(16, 16, 4), ZooPreProcessor.ChannelOrder.BGR).div(255);
        String err = stderrOf(() -> {
            p.apply(scaled);
            p.apply(scaled);
        });
        assertEquals(1, err.split("warning:", -1).length - 1, err);
        assertTrue(err.contains("within [0, 1]") && err.contains("ImagePreProcessingScaler"), err);
        assertEquals("", stderrOf(() -> new ZooPreProcessor(EVAL, ZooPreProcessor.ChannelOrder.BGR)
                .apply(pixels(random(16, 16, 5), ZooPreProcessor.ChannelOrder.BGR))));
    }

    @Test
    void matchesTheNormalisationAndSize() {
        ZooPreProcessor p = new ZooPreProcessor(EVAL, ZooPreProcessor.ChannelOrder.BGR);
        assertTrue(p.matches(EVAL));
        assertArrayEquals(new int[]{16, 16}, p.size());
        assertFalse(p.matches(EvalTransform.centerCrop(16, 0.875, new float[]{0.5f, 0.5f, 0.5f}, new float[]{0.5f, 0.5f, 0.5f}, "bicubic")));
        assertFalse(p.matches(EvalTransform.centerCrop(32, 0.875, EVAL.mean(), EVAL.std(), "bicubic")));
        assertFalse(p.matches(null));
    }

    public static String stderrOf(Runnable r) {
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            r.run();
        } finally {
            System.setErr(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }
}
