package org.cvtzoo.cli;

import org.cvtzoo.core.image.HeatMap;
import org.cvtzoo.core.data.Idx;
import org.cvtzoo.core.data.IdxImages;
import org.cvtzoo.core.image.RgbImage;
import org.cvtzoo.zoo.Prediction;
import org.cvtzoo.zoo.VisionModel;
import org.cvtzoo.zoo.Zoo;
import org.cvtzoo.zoo.spec.SpecFiles;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The demo's picture: coarse maps drawn as blocks, and the occlusion map it shows beside the attention. */
class WhereItLookedTest {
    static final Path TINY = Path.of("..", "cvt-zoo", "src", "test", "resources", "fixtures", "cvt_tiny");

    private static RgbImage grey(int w, int h) {
        byte[] rgb = new byte[w * h * 3];
        Arrays.fill(rgb, (byte) 128);
        return RgbImage.of(w, h, rgb);
    }

    @Test
    void aCoarseMapIsDrawnAsFlatBlocksNotAGradient() {
        INDArray map = Nd4j.createFromArray(new double[][][]{{{0, 1}, {2, 3}}});
        BufferedImage blocks = HeatMap.overlayBlocks(grey(8, 8), map, 0.5);
        Set<Integer> colours = new HashSet<>();
        for (int qy = 0; qy < 2; qy++) {
            for (int qx = 0; qx < 2; qx++) {
                int c = blocks.getRGB(4 * qx, 4 * qy);
                colours.add(c);
                for (int y = 0; y < 4; y++) {
                    for (int x = 0; x < 4; x++) assertEquals(c, blocks.getRGB(4 * qx + x, 4 * qy + y), qx + "," + qy);
                }
            }
        }
        assertEquals(4, colours.size(), "one colour per cell");
        // the smooth drawing of the same map varies within a cell
        BufferedImage smooth = HeatMap.overlay(grey(8, 8), map, 0.5);
        assertTrue(smooth.getRGB(0, 0) != smooth.getRGB(3, 3));
    }

    @Test
    void occlusionIsTheDropOfTheClassProbabilityWhenEachSquareIsPainted() {
        VisionModel m = VisionModel.fromCheckpoint(Zoo.architecture(TINY.resolve("spec.json"), null), TINY.resolve("model.pth"));
        Random r = new Random(3);
        byte[] rgb = new byte[224 * 224 * 3];
        r.nextBytes(rgb);
        RgbImage img = RgbImage.of(224, 224, rgb);
        int cls = m.classify(img, 1).best().index(), patch = 96; // 3x3 squares, the last ones cut at 224
        INDArray map = Occlusion.map(m, img, cls, patch, 0);
        assertEquals(List.of(1L, 3L, 3L), Arrays.stream(map.shape()).boxed().toList());
        double p = probability(m.classify(img, 10), cls);
        for (int row = 0; row < 3; row++) {
            for (int col = 0; col < 3; col++) {
                RgbImage painted = Occlusion.painted(img, col * patch, row * patch, patch, 0);
                assertEquals(0, painted.get(Math.min(223, col * patch + patch - 1), Math.min(223, row * patch + patch - 1), 1));
                double want = p - probability(m.classify(painted, 10), cls);
                assertEquals(want, map.getDouble(0, row, col), 1e-5, row + "," + col);
            }
        }
    }

    private static double probability(Prediction p, int cls) {
        return p.top().stream().filter(l -> l.index() == cls).findFirst().orElseThrow().probability();
    }

    @Test
    void theDemoFigureHasARowPerImageWithItsThreePanels() throws Exception {
        VisionModel m = new VisionModel(Zoo.architecture(SpecFiles.readResource(Zoo.class, "/org/cvtzoo/zoo/cvt/demo-cvt.yaml"), "demo-cvt.yaml", 10))
                .withClassNames(org.cvtzoo.core.data.FashionMnist.CLASSES);
        byte[] pixels = new byte[2 * 28 * 28];
        new Random(5).nextBytes(pixels);
        Idx.Labelled data = new Idx.Labelled(IdxImages.of(2, 28, 28, pixels), new int[]{3, 7});
        BufferedImage fig = DemoCommand.whereItLooked(m, data, 2);
        assertEquals(6 + 3 * (DemoCommand.TILE + 6), fig.getWidth());
        assertTrue(fig.getHeight() > 2 * DemoCommand.TILE && fig.getHeight() < 3 * DemoCommand.TILE, "two rows and a header");
    }
}
