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

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

    static FineTune recipe(VisionModel base, Path out) {
        return FineTune.of(base).numClasses(2).classNames(List.of("left", "right")).trainAll().inputSize(64, 64)
                .epochs(3).batchSize(8).lr(2e-3).warmupEpochs(0.5).labelSmoothing(0.1).clipNorm(5).seed(3).outputDir(out);
    }

    @Test
    void learnsANewHeadAndKeepsTheBestModel() {
        FineTune.Result r = recipe(base(), tmp.resolve("run")).fit(halves(64, 1), halves(32, 2));
        assertEquals(3, r.history().size());
        FineTune.EpochReport first = r.history().get(0), last = r.history().get(2);
        assertTrue(last.trainLoss() < first.trainLoss(), "training loss goes down: " + r.history());
        assertTrue(last.valTop1() >= 0.9, "the halves are learnt: " + r.history());
        VisionModel best = ModelFile.load(r.bestFile());
        assertEquals(List.of("left", "right"), best.classNames());
        assertEquals(2, best.architecture().numClasses());
    }

    /** A run that dies after epoch 2 and is resumed ends with the same parameters as a run straight through. */
    @Test
    void resumedRunEqualsAStraightRun() {
        FineTune.Result straight = recipe(base(), tmp.resolve("a")).fit(halves(32, 1), halves(16, 2));
        RuntimeException crash = new RuntimeException("simulated crash");
        try {
            recipe(base(), tmp.resolve("b")).listener(new FineTune.Listener() {
                @Override
                public void epoch(FineTune.EpochReport r) {
                    if (r.epoch() == 2) throw crash;
                }
            }).fit(halves(32, 1), halves(16, 2));
        } catch (RuntimeException e) {
            assertTrue(e == crash);
        }
        assertTrue(Files.exists(tmp.resolve("b").resolve(FineTune.LAST)));
        FineTune.Result resumed = recipe(base(), tmp.resolve("b")).resume(true).fit(halves(32, 1), halves(16, 2));
        assertEquals(3, resumed.history().size());
        VisionModel a = ModelFile.load(tmp.resolve("a").resolve(FineTune.BEST));
        VisionModel b = ModelFile.load(tmp.resolve("b").resolve(FineTune.BEST));
        for (ParamStore.Entry e : a.parameters().entries().values()) {
            INDArray other = b.parameters().entries().get(e.name()).value();
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
