package org.cvtzoo.zoo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The spec's drop-path and dropout rates act in training graphs only. */
class TrainingRatesTest {
    @Test
    void dropPathAndDropoutActInTrainingOnly() throws Exception {
        Path dir = Fixtures.dir("cvt_tiny");
        String spec = Files.readString(dir.resolve("spec.json"))
                .replaceFirst("\"DROP_PATH_RATE\": \\[[^\\]]*\\]", "\"DROP_PATH_RATE\": [0.0, 0.0, 0.5]")
                .replaceFirst("\"DROP_RATE\": \\[[^\\]]*\\]", "\"DROP_RATE\": [0.0, 0.2, 0.0]");
        Path specFile = Files.createTempFile("rates", ".json");
        Files.writeString(specFile, spec);
        VisionModel m = VisionModel.fromCheckpoint(Zoo.architecture(specFile, null), dir.resolve("model.pth"));
        INDArray x = Fixtures.npy("cvt_tiny", "input.npy");

        // inference: unchanged, the reference's numbers
        assertTrue(Fixtures.relativeError(m.forward(x).logits(), Fixtures.npy("cvt_tiny", "logits.npy")) <= 1e-4);

        // training: stage 2 has 2 blocks, so drop path 0 and 0.5 (linspace): one block draws 2 masks;
        // stage 1 (1 block) draws dropout masks: pos_drop, mlp hidden, mlp out, attention proj
        TrainingGraph g = new TrainingGraph(m, 64, 64, new Random(7));
        long dropPaths = g.masks().stream().filter(k -> k.placeholder().contains("drop_path")).count();
        long dropouts = g.masks().stream().filter(k -> k.placeholder().contains("dropout")).count();
        assertEquals(2, dropPaths);
        assertEquals(4, dropouts);
        assertTrue(g.masks().stream().filter(k -> k.placeholder().contains("drop_path")).allMatch(k -> k.rate() == 0.5));

        INDArray target = Nd4j.zeros(DataType.FLOAT, 2, 10);
        target.putScalar(0, 1, 1.0);
        target.putScalar(1, 4, 1.0);
        double a = g.step(x, target, g.trainableNames()).loss();
        double b = new TrainingGraph(m, 64, 64, new Random(7)).step(x, target, g.trainableNames()).loss();
        double c = new TrainingGraph(m, 64, 64, new Random(8)).step(x, target, g.trainableNames()).loss();
        assertEquals(a, b, 0.0, "same seed, same masks, same loss");
        assertNotEquals(a, c, "other masks, other loss");
    }

    /**
     * ViT's and PatchConvNet's drop_path_rate: timm's ViT grows it linearly over the blocks (2
     * blocks: 0 then 0.5, two branches each), deit's PatchConvNet uses it on every trunk block
     * (one branch each); inference keeps the reference's numbers.
     */
    @ParameterizedTest
    @CsvSource({"vit_tiny, 2", "pcn_tiny, 2"})
    void dropPathRateActsInTrainingOnly(String fixture, int expectedMasks) throws Exception {
        Path dir = Fixtures.dir(fixture);
        String spec = Files.readString(dir.resolve("spec.json")).replaceFirst("\\{", "{\"drop_path_rate\": 0.5,");
        Path specFile = Files.createTempFile("rates", ".json");
        Files.writeString(specFile, spec);
        VisionModel m = VisionModel.fromCheckpoint(Zoo.architecture(specFile, null), dir.resolve("model.pth"));
        INDArray x = Fixtures.npy(fixture, "input.npy");
        assertTrue(Fixtures.relativeError(m.forward(x).logits(), Fixtures.npy(fixture, "logits.npy")) <= 1e-4);

        TrainingGraph g = new TrainingGraph(m, x.size(2), x.size(3), new Random(7));
        assertEquals(expectedMasks, g.masks().size());
        assertTrue(g.masks().stream().allMatch(k -> k.placeholder().contains("drop_path") && k.rate() == 0.5));
        INDArray target = Nd4j.zeros(DataType.FLOAT, x.size(0), 10);
        for (int i = 0; i < x.size(0); i++) target.putScalar(i, (3 * i + 1) % 10, 1.0);
        double a = g.step(x, target, g.trainableNames()).loss();
        double b = new TrainingGraph(m, x.size(2), x.size(3), new Random(7)).step(x, target, g.trainableNames()).loss();
        assertEquals(a, b, 0.0, "same seed, same masks, same loss");
        boolean differs = false;
        for (int seed = 8; seed < 12 && !differs; seed++) {
            differs = new TrainingGraph(m, x.size(2), x.size(3), new Random(seed)).step(x, target, g.trainableNames()).loss() != a;
        }
        assertTrue(differs, "other masks, other loss");
    }
}
