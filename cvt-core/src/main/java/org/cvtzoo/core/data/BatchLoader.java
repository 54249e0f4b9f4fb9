package org.cvtzoo.core.data;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.cvtzoo.core.ZooException;
import org.cvtzoo.core.image.Images;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Batches of a {@link Dataset}, prepared on background threads while the caller trains.
 *
 * <p>Each epoch visits every example once: in a random order (a permutation drawn from a
 * {@link Random} seeded by the loader's seed and the epoch number) or, without shuffling, in
 * index order; consecutive runs of {@code batchSize} examples form the batches, and a last
 * partial batch is kept or dropped as asked. Each example is read with its own
 * {@link Random}, seeded by the loader's seed, the epoch and the example's index, so the
 * batches (augmentation included) are the same for the same seed whatever the number of
 * workers or their timing.
 *
 * <p>Up to {@code prefetch} batches are prepared ahead by {@code workers} daemon threads and
 * handed out in order. A failure in a worker is thrown by the caller's {@code next()} as a
 * {@link DataLoadingException} (its cause the original), which ends that epoch.
 * {@link #close()} stops the workers. One epoch runs at a time: starting one cancels the
 * previous one's remaining work. Use from one thread.
 *
 * <pre>{@code
 * try (BatchLoader loader = new BatchLoader(dataset, BatchLoader.Options.of(64, 42))) {
 *     for (int epoch = 0; epoch < epochs; epoch++) {
 *         for (Iterator<Batch> it = loader.epoch(epoch); it.hasNext(); ) {
 *             Batch b = it.next(); // b.images(): [64, 3, H, W] float32, b.labels()
 *         }
 *     }
 * }
 * }</pre>
 */
public final class BatchLoader implements Iterable<Batch>, AutoCloseable {

    /**
     * @param batchSize examples per batch
     * @param dropLast  whether a last, smaller batch is dropped (else it is kept)
     * @param shuffle   whether each epoch visits the examples in a random order
     * @param seed      the seed of the order and of the examples' random streams
     * @param workers   the number of background threads (1 or 2 is usual)
     * @param prefetch  how many batches may be prepared ahead (2 to 4 is usual)
     */
    public record Options(int batchSize, boolean dropLast, boolean shuffle, long seed,
                          int workers, int prefetch) {
        public Options {
            if (batchSize <= 0) {
                throw new IllegalArgumentException("batch size must be positive, got "
                        + batchSize);
            }
            if (workers < 1 || workers > 64) {
                throw new IllegalArgumentException("workers must be 1..64, got " + workers);
            }
            if (prefetch < 1 || prefetch > 64) {
                throw new IllegalArgumentException("prefetch must be 1..64, got " + prefetch);
            }
        }

        /** Shuffled, last partial batch kept, 2 workers, 2 batches ahead. */
        public static Options of(int batchSize, long seed) {
            return new Options(batchSize, false, true, seed, 2, 2);
        }

        public Options withDropLast(boolean drop) {
            return new Options(batchSize, drop, shuffle, seed, workers, prefetch);
        }

        public Options withShuffle(boolean on) {
            return new Options(batchSize, dropLast, on, seed, workers, prefetch);
        }

        public Options withWorkers(int n) {
            return new Options(batchSize, dropLast, shuffle, seed, n, prefetch);
        }

        public Options withPrefetch(int n) {
            return new Options(batchSize, dropLast, shuffle, seed, workers, n);
        }
    }

    private static final AtomicInteger LOADERS = new AtomicInteger();

    private final Dataset dataset;
    private final Options options;
    private final ExecutorService pool;
    private final String threadPrefix;
    private Epoch current;
    private int nextEpoch;
    private boolean closed;

    public BatchLoader(Dataset dataset, Options options) {
        if (dataset == null || options == null) {
            throw new IllegalArgumentException("dataset and options are required");
        }
        this.dataset = dataset;
        this.options = options;
        this.threadPrefix = "cvt-batch-loader-" + LOADERS.incrementAndGet() + "-worker-";
        AtomicInteger n = new AtomicInteger();
        ThreadFactory threads = r -> {
            Thread t = new Thread(r, threadPrefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        this.pool = Executors.newFixedThreadPool(options.workers(), threads);
    }

    public Dataset dataset() {
        return dataset;
    }

    public Options options() {
        return options;
    }

    /** The prefix of this loader's worker thread names. */
    public String threadNamePrefix() {
        return threadPrefix;
    }

    /** The number of batches of an epoch. */
    public int batchesPerEpoch() {
        int n = dataset.size();
        int b = options.batchSize();
        return options.dropLast() ? n / b : (n + b - 1) / b;
    }

    /**
     * The dataset indices of an epoch, in visiting order (all of them, before batching): a
     * Fisher-Yates permutation drawn from {@code Random(mix(seed, epoch))}, or
     * {@code 0..size-1} without shuffling.
     */
    public int[] order(int epoch) {
        int n = dataset.size();
        if (!options.shuffle()) {
            int[] p = new int[n];
            for (int i = 0; i < n; i++) {
                p[i] = i;
            }
            return p;
        }
        return Shuffle.permutation(n, new Random(mix(options.seed(), epoch, -1)));
    }

    /** The seed of example {@code index}'s random stream in {@code epoch}. */
    public long exampleSeed(int epoch, int index) {
        return mix(options.seed(), epoch, index);
    }

    /**
     * Starts epoch {@code epoch} (cancelling the work left of the previous one) and returns
     * its batches.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public synchronized Epoch epoch(int epoch) {
        if (closed) {
            throw new IllegalStateException("batch loader is closed");
        }
        if (current != null) {
            current.close();
        }
        current = new Epoch(epoch);
        nextEpoch = epoch + 1;
        return current;
    }

    /** The next epoch's batches: epoch 0 first, then the one after the last started. */
    @Override
    public Iterator<Batch> iterator() {
        return epoch(nextEpoch);
    }

    /** Whether {@link #close()} was called. */
    public synchronized boolean isClosed() {
        return closed;
    }

    /**
     * Cancels the work in progress and stops the workers (waiting up to 10 seconds for them
     * to end; a dataset's {@code get} that ignores interrupts can delay them).
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            if (current != null) {
                current.close();
            }
        }
        pool.shutdownNow();
        try {
            pool.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether the worker threads have all ended (after {@link #close()}). */
    public boolean isTerminated() {
        return pool.isTerminated();
    }

    /** The batches of one epoch, in order. Closing it cancels the work left. */
    public final class Epoch implements Iterator<Batch>, AutoCloseable {
        private final int epoch;
        private final int[] order;
        private final int batches;
        private final ArrayDeque<Future<Batch>> ahead = new ArrayDeque<>();
        private int submitted;
        private int delivered;
        private boolean ended;

        private Epoch(int epoch) {
            this.epoch = epoch;
            this.order = order(epoch);
            this.batches = batchesPerEpoch();
            while (submitted < batches && ahead.size() < options.prefetch()) {
                submitNext();
            }
        }

        /** The epoch number. */
        public int number() {
            return epoch;
        }

        /** The number of batches in this epoch. */
        public int batches() {
            return batches;
        }

        /** Where batch {@code b} is, as a person counts (from 1, as progress bars do): "batch 2 of epoch 1". */
        private String where(int b) {
            return "batch " + (b + 1) + " of epoch " + (epoch + 1);
        }

        private void submitNext() {
            int b = submitted++;
            int from = b * options.batchSize();
            int to = Math.min(from + options.batchSize(), order.length);
            int[] indices = Arrays.copyOfRange(order, from, to);
            ahead.add(pool.submit(() -> build(b, indices)));
        }

        private Batch build(int b, int[] indices) {
            List<INDArray> images = new ArrayList<>(indices.length);
            int[] labels = new int[indices.length];
            for (int k = 0; k < indices.length; k++) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new CancellationException("batch loader closed");
                }
                int index = indices[k];
                Example e;
                try {
                    e = dataset.get(index, new Random(exampleSeed(epoch, index)));
                } catch (RuntimeException | Error x) {
                    // a user's error (a broken image) reads as its message; anything else names its class
                    String why = x instanceof ZooException ? x.getMessage() : x.toString();
                    throw new DataLoadingException("example " + index + " (" + where(b) + "): " + why, x);
                }
                images.add(e.image());
                labels[k] = e.label();
            }
            INDArray stacked;
            try {
                stacked = Images.stack(images);
            } catch (IllegalArgumentException x) {
                throw new DataLoadingException(where(b)
                        + " (dataset indices " + Arrays.toString(indices) + "): "
                        + x.getMessage(), x);
            }
            return new Batch(stacked, labels, indices);
        }

        @Override
        public boolean hasNext() {
            return !ended && delivered < batches;
        }

        /**
         * The next batch, waiting for it if needed.
         *
         * @throws DataLoadingException when a worker failed to prepare it (the epoch ends)
         * @throws NoSuchElementException after the last batch or once the epoch was closed
         */
        @Override
        public Batch next() {
            if (!hasNext()) {
                throw new NoSuchElementException(ended && delivered < batches
                        ? "epoch " + epoch + " was closed or failed" : "epoch " + epoch
                        + " has no more batches (" + batches + ")");
            }
            Future<Batch> f = ahead.poll();
            Batch batch;
            try {
                batch = f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                close();
                throw new DataLoadingException("interrupted while waiting for "
                        + where(delivered), e);
            } catch (ExecutionException e) {
                close();
                Throwable cause = e.getCause();
                if (cause instanceof DataLoadingException d) {
                    throw new DataLoadingException(d.getMessage(), d.getCause());
                }
                throw new DataLoadingException(where(delivered)
                        + ": " + cause, cause);
            } catch (CancellationException e) {
                close();
                throw new NoSuchElementException("epoch " + epoch + " was closed");
            }
            delivered++;
            if (submitted < batches && !ended) {
                submitNext();
            }
            return batch;
        }

        /** Cancels the batches not yet taken. */
        @Override
        public void close() {
            ended = true;
            for (Future<Batch> f : ahead) {
                f.cancel(true);
            }
            ahead.clear();
        }
    }

    /** A 64-bit mix of three values (splitmix64's finaliser applied in turn). */
    static long mix(long seed, long a, long b) {
        long h = fmix(seed ^ 0x6a09e667f3bcc909L);
        h = fmix(h ^ (a * 0x9e3779b97f4a7c15L));
        return fmix(h ^ (b * 0xc2b2ae3d27d4eb4fL));
    }

    private static long fmix(long z) {
        z += 0x9e3779b97f4a7c15L;
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
