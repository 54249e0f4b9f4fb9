package org.cvtzoo.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

@Timeout(60)
class BatchLoaderTest {

    /**
     * Example i: a [1, 2, 2] image whose first value is i and whose others are draws from the
     * example's Random (so augmentation randomness shows in the batches); label i % 3.
     */
    static final class Counting implements Dataset {
        final int n;
        final AtomicInteger calls = new AtomicInteger();

        Counting(int n) {
            this.n = n;
        }

        @Override
        public int size() {
            return n;
        }

        @Override
        public Example get(int index, Random rng) {
            calls.incrementAndGet();
            float[] v = {index, rng.nextFloat(), rng.nextFloat(), rng.nextFloat()};
            return new Example(Nd4j.create(v, new long[] {1, 2, 2}, 'c'), index % 3);
        }
    }

    private static List<Batch> drain(Iterator<Batch> it) {
        List<Batch> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }

    private static int[] indicesOf(List<Batch> batches) {
        return batches.stream().flatMapToInt(b -> Arrays.stream(b.indices())).toArray();
    }

    @Test
    void everyExampleOncePerEpochInShapedBatches() {
        Counting ds = new Counting(23);
        try (BatchLoader loader = new BatchLoader(ds, BatchLoader.Options.of(5, 7))) {
            assertEquals(5, loader.batchesPerEpoch());
            for (int epoch = 0; epoch < 3; epoch++) {
                List<Batch> batches = drain(loader.epoch(epoch));
                assertEquals(5, batches.size());
                int[] seen = indicesOf(batches);
                assertArrayEquals(loader.order(epoch), seen);
                int[] sorted = seen.clone();
                Arrays.sort(sorted);
                assertArrayEquals(java.util.stream.IntStream.range(0, 23).toArray(), sorted);
                for (int k = 0; k < batches.size(); k++) {
                    Batch b = batches.get(k);
                    assertEquals(k < 4 ? 5 : 3, b.size());
                    assertEquals(DataType.FLOAT, b.images().dataType());
                    assertArrayEquals(new long[] {b.size(), 1, 2, 2}, b.images().shape());
                    for (int j = 0; j < b.size(); j++) {
                        assertEquals(b.indices()[j], b.images().getFloat(j, 0, 0, 0));
                        assertEquals(b.indices()[j] % 3, b.labels()[j]);
                    }
                }
            }
            // epochs are shuffled differently
            assertFalse(Arrays.equals(loader.order(0), loader.order(1)));
        }
    }

    @Test
    void dropLast() {
        try (BatchLoader loader = new BatchLoader(new Counting(23),
                BatchLoader.Options.of(5, 1).withDropLast(true))) {
            List<Batch> batches = drain(loader.epoch(0));
            assertEquals(4, batches.size());
            assertEquals(20, indicesOf(batches).length);
            batches.forEach(b -> assertEquals(5, b.size()));
        }
    }

    @Test
    void noShuffleIsIndexOrder() {
        try (BatchLoader loader = new BatchLoader(new Counting(10),
                BatchLoader.Options.of(4, 1).withShuffle(false))) {
            assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9},
                    indicesOf(drain(loader.epoch(3))));
        }
    }

    /** Same seed: same batches, bit for bit, whatever the workers and prefetch. */
    @Test
    void deterministicForASeed() {
        List<INDArray> reference = null;
        int[] referenceOrder = null;
        for (int[] wp : new int[][] {{1, 1}, {2, 2}, {2, 4}, {4, 3}}) {
            BatchLoader.Options o = BatchLoader.Options.of(6, 99).withWorkers(wp[0])
                    .withPrefetch(wp[1]);
            try (BatchLoader loader = new BatchLoader(new Counting(40), o)) {
                List<Batch> batches = drain(loader.epoch(2));
                List<INDArray> images = batches.stream().map(Batch::images).toList();
                if (reference == null) {
                    reference = images;
                    referenceOrder = indicesOf(batches);
                } else {
                    assertEquals(reference.size(), images.size());
                    for (int i = 0; i < images.size(); i++) { // every float equal (INDArray.equals would allow 1e-5)
                        assertArrayEquals(reference.get(i).dup().data().asFloat(), images.get(i).dup().data().asFloat(),
                                Arrays.toString(wp) + " batch " + i);
                    }
                    assertArrayEquals(referenceOrder, indicesOf(batches));
                }
            }
        }
        try (BatchLoader other = new BatchLoader(new Counting(40), BatchLoader.Options.of(6,
                100))) {
            assertNotEquals(reference, drain(other.epoch(2)).stream().map(Batch::images)
                    .toList());
        }
    }

    @Test
    void iteratorRunsSuccessiveEpochs() {
        try (BatchLoader loader = new BatchLoader(new Counting(9), BatchLoader.Options.of(4,
                5))) {
            List<int[]> orders = new ArrayList<>();
            for (int e = 0; e < 3; e++) {
                List<Batch> all = new ArrayList<>();
                for (Batch b : loader) {
                    all.add(b);
                }
                orders.add(indicesOf(all));
            }
            for (int e = 0; e < 3; e++) {
                assertArrayEquals(loader.order(e), orders.get(e));
            }
        }
    }

    /** A failure in a worker comes out of next(), with the example named and the cause kept. */
    @Test
    void workerErrorSurfacesInNext() {
        Dataset failing = new Dataset() {
            @Override
            public int size() {
                return 20;
            }

            @Override
            public Example get(int index, Random rng) {
                if (index == 13) {
                    throw new DataException("broken.png: truncated PNG file");
                }
                return new Example(Nd4j.zeros(DataType.FLOAT, 1, 1, 1), 0);
            }
        };
        try (BatchLoader loader = new BatchLoader(failing, BatchLoader.Options.of(4, 3)
                .withShuffle(false))) {
            Iterator<Batch> it = loader.epoch(0);
            assertEquals(4, it.next().size());
            assertEquals(4, it.next().size());
            assertEquals(4, it.next().size());
            DataLoadingException e = assertThrows(DataLoadingException.class, it::next);
            assertTrue(e.getMessage().contains("example 13")
                    && e.getMessage().contains("batch 4 of epoch 1")
                    && e.getMessage().contains("broken.png"), e.getMessage());
            assertTrue(e.getCause() instanceof DataException);
            assertFalse(it.hasNext());
            // the loader still works for the next epoch up to the bad example
            Iterator<Batch> again = loader.epoch(1);
            assertEquals(4, again.next().size());
        }
    }

    @Test
    void mismatchedShapesAreReported() {
        Dataset mixed = new Dataset() {
            @Override
            public int size() {
                return 4;
            }

            @Override
            public Example get(int index, Random rng) {
                return new Example(Nd4j.zeros(DataType.FLOAT, 3, index == 2 ? 5 : 4, 4), 0);
            }
        };
        try (BatchLoader loader = new BatchLoader(mixed, BatchLoader.Options.of(4, 3))) {
            DataLoadingException e = assertThrows(DataLoadingException.class,
                    () -> loader.epoch(0).next());
            assertTrue(e.getMessage().contains("batch 1 of epoch 1"), e.getMessage());
        }
    }

    /** Batches are prepared ahead, at most {@code prefetch} of them, while the caller waits. */
    @Test
    void preparesAheadBounded() throws InterruptedException {
        Counting ds = new Counting(100);
        try (BatchLoader loader = new BatchLoader(ds, BatchLoader.Options.of(2, 1)
                .withPrefetch(3).withWorkers(2))) {
            Iterator<Batch> it = loader.epoch(0);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (ds.calls.get() < 6 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            Thread.sleep(100);
            assertEquals(6, ds.calls.get(), "3 batches of 2 prepared ahead, no more");
            it.next();
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (ds.calls.get() < 8 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            Thread.sleep(100);
            assertEquals(8, ds.calls.get());
        }
    }

    /** close() stops the workers, even with a batch in progress, and the loader refuses work. */
    @Test
    void closeStopsWorkers() throws InterruptedException {
        CountDownLatch started = new CountDownLatch(1);
        Dataset slow = new Dataset() {
            @Override
            public int size() {
                return 1000;
            }

            @Override
            public Example get(int index, Random rng) {
                started.countDown();
                try {
                    Thread.sleep(10_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted");
                }
                return new Example(Nd4j.zeros(DataType.FLOAT, 1, 1, 1), 0);
            }
        };
        BatchLoader loader = new BatchLoader(slow, BatchLoader.Options.of(8, 1));
        Iterator<Batch> it = loader.epoch(0);
        assertTrue(started.await(10, TimeUnit.SECONDS));
        assertTrue(workerThreads(loader) > 0);
        long t0 = System.nanoTime();
        loader.close();
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5), "close was slow");
        assertTrue(loader.isTerminated());
        assertTrue(loader.isClosed());
        // the pool reports termination as its last task ends; the thread itself exits a moment later
        for (int i = 0; i < 100 && workerThreads(loader) > 0; i++) Thread.sleep(20);
        assertEquals(0, workerThreads(loader));
        assertFalse(it.hasNext());
        assertThrows(IllegalStateException.class, () -> loader.epoch(1));
        loader.close(); // idempotent
    }

    private static long workerThreads(BatchLoader loader) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith(loader.threadNamePrefix()))
                .count();
    }

    @Test
    void startingAnEpochCancelsThePrevious() {
        try (BatchLoader loader = new BatchLoader(new Counting(50), BatchLoader.Options.of(5,
                1))) {
            BatchLoader.Epoch first = loader.epoch(0);
            first.next();
            BatchLoader.Epoch second = loader.epoch(1);
            assertFalse(first.hasNext());
            assertEquals(10, drain(second).size());
        }
    }

    @Test
    void badOptions() {
        assertThrows(IllegalArgumentException.class, () -> BatchLoader.Options.of(0, 1));
        assertThrows(IllegalArgumentException.class,
                () -> BatchLoader.Options.of(2, 1).withWorkers(0));
        assertThrows(IllegalArgumentException.class,
                () -> BatchLoader.Options.of(2, 1).withPrefetch(0));
    }
}
