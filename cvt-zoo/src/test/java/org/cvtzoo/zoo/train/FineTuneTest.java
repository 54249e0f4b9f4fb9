package org.cvtzoo.zoo.train;

import org.cvtzoo.core.data.Dataset;
import org.cvtzoo.core.data.Example;
import org.cvtzoo.core.graph.ParamStore;
import org.cvtzoo.zoo.Fixtures;
import org.cvtzoo.zoo.ModelFile;
import org.cvtzoo.zoo.ParameterGroups;
import org.cvtzoo.zoo.VisionModel;
import org.cvtzoo.zoo.Zoo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FineTuneTest {
    @TempDir
    Path tmp;

    /** Two classes a small model can tell apart: the bright half of the image is left or right. */
    static Dataset halves(int n, long seed) {
        return new Dataset() {
            @Override
            public int size() {
                return n;
            }

            @Override
            public Example get(int index, Random rng) {
                Random r = new Random(seed * 7919 + index);
                int label = index % 2;
                float[] noise = new float[3 * 64 * 64];
                for (int i = 0; i < noise.length; i++) noise[i] = 0.3f * r.nextFloat();
                INDArray img = Nd4j.create(noise, new long[]{3, 64, 64}, DataType.FLOAT);
                img.get(NDArrayIndex.all(), NDArrayIndex.all(), label == 0 ? NDArrayIndex.interval(0, 32) : NDArrayIndex.interval(32, 64))
                        .addi(1.0 + 0.2 * r.nextGaussian());
                return new Example(img, label);
            }
        };
    }

    static VisionModel base() {
        Path dir = Fixtures.dir("cvt_tiny");
        return VisionModel.fromCheckpoint(Zoo.architecture(dir.resolve("spec.json"), null), dir.resolve("model.pth"));
    }

    static FineTuneConfig recipe(Path out) {
        return FineTuneConfig.defaults().withClasses(List.of("left", "right")).withInputSize(64, 64).withEpochs(3)
                .withBatchSize(8).withLr(2e-3).withWarmupEpochs(0.5).withLabelSmoothing(0.1).withClipNorm(5).withSeed(3)
                .withOutputDir(out);
    }

    @Test
    void learnsANewHeadAndKeepsTheBestModel() {
        Trainer.Result r = new Trainer(base(), recipe(tmp.resolve("run"))).fit(halves(64, 1), halves(32, 2));
        assertEquals(3, r.history().size());
        EpochReport first = r.history().get(0), last = r.history().get(2);
        assertTrue(last.trainLoss() < first.trainLoss(), "training loss goes down: " + r.history());
        assertTrue(last.valTop1() >= 0.9, "the halves are learnt: " + r.history());
        VisionModel best = ModelFile.load(r.bestFile());
        assertEquals(List.of("left", "right"), best.classNames());
        assertEquals(2, best.architecture().numClasses());
        double bestTop1 = r.history().stream().mapToDouble(EpochReport::valTop1).max().orElseThrow();
        assertEquals(bestTop1, r.evaluation().accuracy(), "the result's evaluation is the best model's");
        assertEquals(List.of("left", "right"), r.evaluation().getLabelsList());
    }

    /** A run that dies after epoch 2 and is resumed ends with the same parameters as a run straight through. */
    @Test
    void resumedRunEqualsAStraightRun() {
        FineTuneConfig a = recipe(tmp.resolve("a")), b = recipe(tmp.resolve("b"));
        Trainer.Result straight = new Trainer(base(), a).fit(halves(32, 1), halves(16, 2));
        RuntimeException crash = new RuntimeException("simulated crash");
        Trainer crashing = new Trainer(base(), b, new Trainer.Listener() {
            @Override
            public void epoch(EpochReport r) {
                if (r.epoch() == 2) throw crash;
            }
        });
        assertSame(crash, assertThrows(RuntimeException.class, () -> crashing.fit(halves(32, 1), halves(16, 2))));
        Path checkpoint = tmp.resolve("b").resolve(Trainer.CHECKPOINT_FILE);
        VisionModel probe = new VisionModel(base().architecture().withNumClasses(2));
        assertEquals(2, TrainingCheckpoint.read(checkpoint, probe, new AdamW(0.05, DecayRule.ALL)).epochsDone());

        List<Integer> resumedEpochs = new ArrayList<>();
        Trainer.Result resumed = new Trainer(base(), b.withResume(true), new Trainer.Listener() {
            @Override
            public void epoch(EpochReport r) {
                resumedEpochs.add(r.epoch());
            }
        }).fit(halves(32, 1), halves(16, 2));
        assertEquals(List.of(3), resumedEpochs, "the resumed run trains the last epoch only");
        assertEquals(3, resumed.history().size());
        VisionModel ma = ModelFile.load(tmp.resolve("a").resolve(Trainer.BEST_FILE));
        VisionModel mb = ModelFile.load(tmp.resolve("b").resolve(Trainer.BEST_FILE));
        for (ParamStore.Entry e : ma.parameters().entries().values()) {
            INDArray other = mb.parameters().entries().get(e.name()).value();
            assertTrue(e.value().equalsWithEps(other, 1e-6), e.name());
        }
        assertEquals(straight.history().get(2).trainLoss(), resumed.history().get(2).trainLoss(), 1e-6);
    }

    @Test
    void freezingChoosesWhatTrains() {
        List<String> names = List.of("stage0.patch_embed.proj.weight", "stage2.blocks.0.attn.proj.weight",
                "stage2.blocks.1.mlp.fc1.weight", "stage2.blocks.1.norm2.weight", "norm.weight", "head.weight", "head.bias");
        ParameterGroups cvt = TrainFixtures.groups("cvt_tiny"); // stage depths 1, 1, 2
        assertEquals(List.of("head.weight", "head.bias"), Trainable.HEAD.select(names, cvt));
        assertEquals(List.of("stage2.blocks.1.mlp.fc1.weight", "stage2.blocks.1.norm2.weight", "norm.weight", "head.weight",
                "head.bias"), Trainable.lastBlocks(1).select(names, cvt));
        assertEquals(names, Trainable.ALL.select(names, cvt));
    }
}
