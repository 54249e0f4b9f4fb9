package org.cvtzoo.zoo;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Building a training graph keeps SameDiff's chatter out of stdout without taking stdout from anyone else. */
class TrainingGraphOutputTest {
    @Test
    void otherThreadsOutputSurvivesAndSameDiffsIsDropped() throws InterruptedException {
        Path dir = Fixtures.dir("cvt_tiny");
        VisionModel model = VisionModel.fromCheckpoint(Zoo.architecture(dir.resolve("spec.json"), null), dir.resolve("model.pth"));
        PrintStream old = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream mine = new PrintStream(captured, true, StandardCharsets.UTF_8);
        AtomicBoolean building = new AtomicBoolean(true);
        AtomicInteger written = new AtomicInteger();
        System.setOut(mine);
        try {
            Thread other = new Thread(() -> {
                while (building.get()) {
                    System.out.println("tick");
                    written.incrementAndGet();
                    try {
                        Thread.sleep(1);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            other.start();
            new TrainingGraph(model, 64, 64);
            building.set(false);
            other.join();
            System.out.println("after");
            String text = captured.toString(StandardCharsets.UTF_8);
            assertTrue(written.get() > 0, "the other thread printed while the graph was built");
            assertEquals(written.get(), text.lines().filter("tick"::equals).count(), "every line of the other thread arrives");
            assertFalse(text.contains("differentiated op"), "SameDiff's lines are dropped");
            assertTrue(text.endsWith("after" + System.lineSeparator()), text.substring(Math.max(0, text.length() - 40)));
        } finally {
            System.setOut(old);
        }
    }
}
