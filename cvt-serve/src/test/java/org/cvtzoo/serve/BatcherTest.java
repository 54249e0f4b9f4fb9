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
    /** Requests batched together (and padded) get the numbers each gets from VisionModel alone. */
    @Test
    void batchedRowsEqualTheModelOneByOne() throws Exception {
        VisionModel model = Tiny.model();
        Metrics metrics = new Metrics(4);
        Nd4j.getRandom().setSeed(21);
        List<INDArray> inputs = new ArrayList<>();
        for (int i = 0; i < 7; i++) inputs.add(Nd4j.randn(DataType.FLOAT, i == 3 ? 2 : 1, 3, 64, 64));
        List<Batcher.Job> jobs = new ArrayList<>();
        try (Batcher b = new Batcher("tiny", model, 64, 64, 4, 200, 16, metrics)) {
            for (INDArray x : inputs) jobs.add(b.submit(x)); // within the 200 ms: batches of 4, 4 and 1 images (3 padded to 4)
            double worst = 0;
            for (int i = 0; i < inputs.size(); i++) {
                VisionModel.Output got = jobs.get(i).result.get(30, TimeUnit.SECONDS);
                VisionModel.Output alone = model.forward(inputs.get(i));
                assertArrayEquals(alone.logits().shape(), got.logits().shape());
                worst = Math.max(worst, maxDiff(alone.logits(), got.logits()));
                worst = Math.max(worst, maxDiff(alone.features(), got.features()));
                worst = Math.max(worst, maxDiff(alone.attention(), got.attention()));
            }
            System.out.println("batched vs one by one: largest difference " + worst);
            assertTrue(worst <= 1e-5, "largest difference " + worst);
        }
        String text = metrics.render(List.of("tiny"), m -> 0, 0);
        assertTrue(text.contains("cvt_batch_size_count{model=\"tiny\"} 3"), "7 jobs of 8 images in 3 batches:\n" + text);
        assertTrue(text.contains("cvt_batch_size_bucket{model=\"tiny\",le=\"4\"} 3"), text);
    }

    @Test
    void aFullQueueIsA503WithRetryAfter() {
        VisionModel model = Tiny.model();
        try (Batcher b = new Batcher("tiny", model, 64, 64, 1, 0, 2, new Metrics(1))) {
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
