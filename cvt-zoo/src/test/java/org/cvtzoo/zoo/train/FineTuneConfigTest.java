package org.cvtzoo.zoo.train;

import org.cvtzoo.core.ZooException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FineTuneConfigTest {

    @Test
    void withReturnsAChangedCopy() {
        FineTuneConfig d = FineTuneConfig.defaults();
        FineTuneConfig c = d.withClasses(List.of("a", "b", "c")).withTrainable(Trainable.lastBlocks(2)).withEpochs(7)
                .withOptimizer(FineTuneConfig.OptimizerKind.SGD).withInputSize(32, 48).withOutputDir(Path.of("run"));
        assertEquals(FineTuneConfig.defaults(), d, "the original is unchanged");
        assertEquals(3, c.numClasses());
        assertEquals(List.of("a", "b", "c"), c.classNames());
        assertEquals(Trainable.lastBlocks(2), c.trainable());
        assertEquals(7, c.epochs());
        assertEquals(FineTuneConfig.OptimizerKind.SGD, c.optimizer());
        assertEquals(32, c.inputHeight());
        assertEquals(48, c.inputWidth());
        assertEquals(d.lr(), c.lr());
        assertEquals(List.of(), c.withNumClasses(4).classNames(), "a new class count drops the old names");
        assertNotEquals(c, c.withSeed(c.seed() + 1));
    }

    @Test
    void badValuesAreNamed() {
        FineTuneConfig d = FineTuneConfig.defaults();
        assertMessage(() -> d.withEpochs(0), "epochs must be at least 1");
        assertMessage(() -> d.withBatchSize(0), "batch size");
        assertMessage(() -> d.withLr(-1), "learning rate");
        assertMessage(() -> d.withLr(Double.NaN), "learning rate");
        assertMessage(() -> d.withLabelSmoothing(1), "label smoothing");
        assertMessage(() -> d.withMomentum(1), "momentum");
        assertMessage(() -> d.withInputSize(32, 0), "input size");
        assertMessage(() -> d.withNumClasses(-1), "classes");
        assertMessage(() -> Trainable.lastBlocks(0), "N >= 1");
    }

    @Test
    void whatTrainsAndTheOptimizerAsWritten() {
        for (Trainable t : List.of(Trainable.ALL, Trainable.HEAD, Trainable.lastBlocks(3))) {
            assertEquals(t, Trainable.parse(t.toString()));
        }
        assertEquals("last:3", Trainable.lastBlocks(3).toString());
        for (String bad : List.of("last:0", "last:", "last:x", "heads", "")) {
            ZooException e = assertThrows(ZooException.class, () -> Trainable.parse(bad), bad);
            assertTrue(e.getMessage().contains("all, head or last:N"), e.getMessage());
        }
        assertEquals(FineTuneConfig.OptimizerKind.ADAMW, FineTuneConfig.OptimizerKind.parse("adamw"));
        assertEquals(FineTuneConfig.OptimizerKind.SGD, FineTuneConfig.OptimizerKind.parse("SGD"));
        assertThrows(ZooException.class, () -> FineTuneConfig.OptimizerKind.parse("adam"));
    }

    private static void assertMessage(Executable run, String fragment) {
        ZooException e = assertThrows(ZooException.class, run);
        assertTrue(e.getMessage().contains(fragment), "'" + fragment + "' in: " + e.getMessage());
    }
}
