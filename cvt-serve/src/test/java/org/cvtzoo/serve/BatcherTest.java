package org.cvtzoo.serve;

import org.cvtzoo.zoo.VisionModel;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BatcherTest {
    /** The tiny model; the batch sizes it was given are added to {@code passes}. */
    static ServedModel.Engine recorded(VisionModel model, List<Long> passes) {
        ServedModel.Engine own = ServedModel.Engine.of(model);
        return new ServedModel.Engine() {
            @Override
            public INDArray preprocess(org.cvtzoo.core.image.RgbImage image) {
                return own.preprocess(image);
            }

            @Override
            public VisionModel.Output forward(INDArray batch) {
                passes.add(batch.size(0));
                return own.forward(batch);
            }
        };
    }

    /**
     * Under light load a request does not wait for company: after a batch of one request alone,
     * the next lone request runs at once instead of after max-delay (2 s here).
     */
    @Test
    void aLoneRequestAfterALoneBatchRunsAtOnce() throws Exception {
        VisionModel model = Tiny.model();
        try (Batcher b = new Batcher("tiny", model, recorded(model, new java.util.concurrent.CopyOnWriteArrayList<>()), 64, 64, 4,
                2000, 16, new Metrics(4), new ForwardGate())) {
            long t0 = System.nanoTime();
            b.submit(Nd4j.randn(DataType.FLOAT, 1, 3, 64, 64)).result.get(30, TimeUnit.SECONDS);
            long first = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(first >= 2000, "the first batch waits max-delay for company: " + first + " ms");
            t0 = System.nanoTime();
            b.submit(Nd4j.randn(DataType.FLOAT, 1, 3, 64, 64)).result.get(30, TimeUnit.SECONDS);
            long second = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(second < 1000, "after a lone batch, a lone request runs at once: " + second + " ms");
        }
    }

    /** Requests batched together (and run as passes of the planned sizes) get the numbers each gets from VisionModel alone. */
    @Test
    void batchedRowsEqualTheModelOneByOne() throws Exception {
        VisionModel model = Tiny.model();
        Metrics metrics = new Metrics(4);
        Nd4j.getRandom().setSeed(21);
        List<INDArray> inputs = new ArrayList<>();
        for (int i = 0; i < 7; i++) inputs.add(Nd4j.randn(DataType.FLOAT, i == 3 ? 2 : 1, 3, 64, 64));
        List<Batcher.Job> jobs = new ArrayList<>();
        List<Long> passes = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (Batcher b = new Batcher("tiny", model, recorded(model, passes), 64, 64, 4, 500, 16, metrics, new ForwardGate())) {
            assertEquals(List.of(1L, 2L, 4L), passes, "one start-up pass per planned size");
            passes.clear();
            // within the 500 ms: batches of 3 images (the next request has 2: it starts the next batch), 4 and 1
            for (INDArray x : inputs) jobs.add(b.submit(x.dup())); // the batcher frees what it is given
            double worst = 0;
            for (int i = 0; i < inputs.size(); i++) {
                VisionModel.Output got = jobs.get(i).result.get(30, TimeUnit.SECONDS);
                VisionModel.Output alone = model.forward(inputs.get(i));
                assertArrayEquals(alone.logits().shape(), got.logits().shape());
                worst = Math.max(worst, maxDiff(alone.logits(), got.logits()));
                worst = Math.max(worst, maxDiff(alone.features(), got.features()));
                worst = Math.max(worst, maxDiff(alone.attention(), got.attention()));
            }
            System.out.println("passes " + passes + "; batched vs one by one: largest difference " + worst);
            assertTrue(worst <= 1e-5, "largest difference " + worst);
            assertEquals(List.of(2L, 1L, 4L, 1L), passes, "3 images as 2 + 1, then 4, then 1");
        }
        String text = metrics.render(List.of("tiny"), m -> 0, 0);
        assertTrue(text.contains("cvt_batch_size_count{model=\"tiny\"} 3"), "8 images in 3 batches:\n" + text);
        assertTrue(text.contains("cvt_batch_size_sum{model=\"tiny\"} 8"), text);
    }

    @Test
    void aBatchRunsAsPassesOfThePlannedSizes() {
        java.util.TreeSet<Integer> powers = new java.util.TreeSet<>(List.of(1, 2, 4, 8, 16)), twelve = new java.util.TreeSet<>(List.of(1, 2, 4, 8, 12));
        assertEquals(List.of(8, 1), Batcher.passes(9, powers));
        assertEquals(List.of(8, 4, 2, 1), Batcher.passes(15, powers));
        assertEquals(List.of(16), Batcher.passes(16, powers));
        assertEquals(List.of(1), Batcher.passes(1, powers));
        assertEquals(List.of(8, 2, 1), Batcher.passes(11, twelve));
        assertEquals(List.of(12), Batcher.passes(12, twelve));
    }

    @Test
    void aFullQueueIsA503WithRetryAfter() {
        VisionModel model = Tiny.model();
        try (Batcher b = new Batcher("tiny", model, ServedModel.Engine.of(model), 64, 64, 1, 0, 2, new Metrics(1), new ForwardGate())) {
            INDArray x = Nd4j.zeros(DataType.FLOAT, 1, 3, 64, 64);
            HttpError e = null;
            for (int i = 0; i < 50 && e == null; i++) { // the worker takes one at a time: the queue of 2 fills
                try {
                    b.submit(x);
                } catch (HttpError full) {
                    e = full;
                }
            }
            assertTrue(e != null, "50 submissions into a queue of 2 should fill it");
            assertEquals(503, e.status);
            assertEquals(1, e.retryAfter);
            HttpError tooBig = assertThrows(HttpError.class,
                    () -> b.submit(Nd4j.zeros(DataType.FLOAT, 2, 3, 64, 64)));
            assertEquals(400, tooBig.status);
        }
    }

    private static double maxDiff(INDArray a, INDArray b) {
        return Transforms.abs(a.castTo(DataType.DOUBLE).sub(b.castTo(DataType.DOUBLE))).maxNumber().doubleValue();
    }
}
