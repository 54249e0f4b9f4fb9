package org.cvtzoo.zoo.train;

import org.cvtzoo.core.data.Dataset;
import org.cvtzoo.core.data.Example;
import org.cvtzoo.core.graph.ParamStore;
import org.cvtzoo.core.weights.Checkpoints;
import org.cvtzoo.core.weights.StateDict;
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

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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

    /** A run that dies after epoch 2 and is resumed ends in the same state as a run straight through. */
    @Test
    void resumedRunEqualsAStraightRun() throws IOException {
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
        Path afterCrash = tmp.resolve("after-crash.safetensors");
        Files.copy(checkpoint, afterCrash);
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
        // the last checkpoint is written by the resumed epoch only: its parameters, buffers and
        // optimiser state must be the straight run's (the crashed run's epoch-2 state is not)
        Path a3 = tmp.resolve("a").resolve(Trainer.CHECKPOINT_FILE), b3 = tmp.resolve("b").resolve(Trainer.CHECKPOINT_FILE);
        assertEquals(List.of(), differences(a3, b3, 1e-6));
        assertTrue(!differences(a3, afterCrash, 1e-6).isEmpty(), "epoch 3 changed the state: the comparison can fail");
        assertEquals(straight.history().get(2).trainLoss(), resumed.history().get(2).trainLoss(), 1e-6);
    }

    /** Tensors (parameters, buffers, optimiser state) and step counts that differ between two checkpoints. */
    static List<String> differences(Path x, Path y, double eps) {
        List<String> out = new ArrayList<>();
        try (StateDict a = Checkpoints.open(x); StateDict b = Checkpoints.open(y)) {
            assertEquals(a.keys(), b.keys());
            assertTrue(a.keys().stream().anyMatch(k -> k.startsWith("optimizer/")), "optimiser state is in the checkpoint");
            for (String k : a.keys()) {
                if (!a.get(k).equalsWithEps(b.get(k), eps)) out.add(k);
            }
            for (String m : List.of("cvt.checkpoint.steps", "cvt.checkpoint.param_steps", "cvt.checkpoint.epochs_done")) {
                if (!a.metadata().get(m).equals(b.metadata().get(m))) out.add(m);
            }
        }
        return out;
    }

    /** Fine-tuning with the base model's own class count must not train the base model's arrays. */
    @Test
    void trainingLeavesTheGivenModelAlone() {
        VisionModel given = base();
        assertEquals(10, given.architecture().numClasses());
        Map<String, INDArray> before = new LinkedHashMap<>();
        given.parameters().entries().forEach((n, e) -> before.put(n, e.value().dup()));
        List<String> ten = IntStream.range(0, 10).mapToObj(i -> "c" + i).toList();
        Trainer.Result r = new Trainer(given, recipe(tmp.resolve("same")).withClasses(ten).withEpochs(1)).fit(halves(16, 1), null);
        for (ParamStore.Entry e : given.parameters().entries().values()) {
            assertArrayEquals(floats(before.get(e.name())), floats(e.value()), e.name() + " changed in the given model");
        }
        VisionModel trained = r.best();
        assertTrue(before.entrySet().stream().anyMatch(
                b -> !Arrays.equals(floats(b.getValue()), floats(trained.parameters().entries().get(b.getKey()).value()))),
                "the run trained something");
    }

    private static float[] floats(INDArray a) {
        return a.dup('c').data().asFloat();
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
