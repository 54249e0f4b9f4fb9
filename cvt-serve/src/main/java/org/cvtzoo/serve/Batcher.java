package org.cvtzoo.serve;

import org.cvtzoo.zoo.VisionModel;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Dynamic batching for one model: requests that arrive within {@code maxDelay} of the first
 * waiting one run together, up to {@code maxBatch} images, in one forward pass on one thread.
 *
 * <p>A batch is padded with zero images to the next of a few sizes (1, 2, 4, ... and
 * {@code maxBatch}), so that the model keeps one execution plan per size instead of building a
 * new one for every batch size that happens to arrive. The images of a batch do not interact
 * (normalisation is per image), so each request's rows are what it would get alone (checked by
 * BatcherTest against {@link VisionModel#forward} one by one).
 */
final class Batcher implements AutoCloseable {
    /** A request's input {@code [b, 3, H, W]}, and its rows of the output once run. */
    static final class Job {
        final INDArray input;
        final CompletableFuture<VisionModel.Output> result = new CompletableFuture<>();

        Job(INDArray input) {
            this.input = input;
        }

        int images() {
            return (int) input.size(0);
        }

        boolean sameSize(Job o) {
            return input.size(2) == o.input.size(2) && input.size(3) == o.input.size(3);
        }
    }

    private final String name;
    private final VisionModel model;
    private final int maxBatch;
    private final long maxDelayNanos;
    private final BlockingQueue<Job> queue;
    private final Metrics metrics;
    private final TreeSet<Integer> sizes = new TreeSet<>();
    private final Thread worker;
    private volatile boolean closing;
    /** A job taken from the queue that did not fit the batch being formed; it starts the next one. */
    private Job carried;

    /** Starts the batching thread after one forward pass of each padded size at {@code height x width}. */
    Batcher(String name, VisionModel model, int height, int width, int maxBatch, int maxDelayMs, int queueCapacity, Metrics metrics) {
        this.name = name;
        this.model = model;
        this.maxBatch = maxBatch;
        this.maxDelayNanos = TimeUnit.MILLISECONDS.toNanos(maxDelayMs);
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        this.metrics = metrics;
        for (int b = 1; b < maxBatch; b *= 2) sizes.add(b);
        sizes.add(maxBatch);
        model.setPlanCacheSize(sizes.size());
        for (int b : sizes) model.forward(Nd4j.zeros(DataType.FLOAT, b, 3, height, width)); // builds each size's plan before the first request
        worker = new Thread(this::loop, "cvt-batcher-" + name);
        worker.setDaemon(true);
        worker.start();
    }

    /**
     * Queues an input {@code [b, 3, H, W]} (b <= maxBatch).
     *
     * @throws HttpError 503 with Retry-After when the queue is full or the server is shutting down
     */
    Job submit(INDArray input) {
        if (input.size(0) > maxBatch) {
            throw new HttpError(400, "a batch of " + input.size(0) + " images is more than the server's --max-batch " + maxBatch);
        }
        if (closing) throw new HttpError(503, "the server is shutting down", 1);
        Job job = new Job(input);
        if (!queue.offer(job)) throw new HttpError(503, "model " + name + " has " + queue.size() + " requests waiting; try again", 1);
        return job;
    }

    boolean queueFull() {
        return queue.remainingCapacity() == 0;
    }

    int queueDepth() {
        return queue.size();
    }

    private void loop() {
        while (true) {
            List<Job> batch;
            try {
                batch = nextBatch();
            } catch (InterruptedException e) {
                return;
            }
            if (batch == null) return;
            batch.removeIf(j -> j.result.isDone()); // timed out, or the client went away
            if (!batch.isEmpty()) run(batch);
        }
    }

    /** The next batch; null once closing and nothing is left. */
    private List<Job> nextBatch() throws InterruptedException {
        Job first = carried;
        carried = null;
        while (first == null) {
            first = queue.poll(50, TimeUnit.MILLISECONDS);
            if (first == null && closing && queue.isEmpty()) return null;
        }
        List<Job> batch = new ArrayList<>(List.of(first));
        int images = first.images();
        long deadline = System.nanoTime() + maxDelayNanos;
        while (images < maxBatch) {
            long left = deadline - System.nanoTime();
            Job next = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : queue.poll();
            if (next == null) break;
            if (images + next.images() > maxBatch || !next.sameSize(first)) {
                carried = next;
                break;
            }
            batch.add(next);
            images += next.images();
        }
        return batch;
    }

    private void run(List<Job> batch) {
        int images = batch.stream().mapToInt(Job::images).sum();
        try {
            INDArray x = batch.size() == 1 ? batch.get(0).input : Nd4j.concat(0, batch.stream().map(j -> j.input).toArray(INDArray[]::new));
            int padded = sizes.ceiling(images);
            if (padded > images) {
                long[] shape = x.shape().clone();
                shape[0] = padded - images;
                x = Nd4j.concat(0, x.castTo(DataType.FLOAT), Nd4j.zeros(DataType.FLOAT, shape));
            }
            long start = System.nanoTime();
            VisionModel.Output out = model.forward(x);
            metrics.batch(name, images, (System.nanoTime() - start) / 1e9);
            int at = 0;
            for (Job j : batch) {
                int n = j.images();
                j.result.complete(new VisionModel.Output(rows(out.logits(), at, n), rows(out.features(), at, n),
                        out.attention() == null ? null : rows(out.attention(), at, n)));
                at += n;
            }
        } catch (RuntimeException | OutOfMemoryError e) {
            for (Job j : batch) j.result.completeExceptionally(e);
        }
    }

    /** Rows {@code [at, at + n)} of {@code a}, copied (the forward pass's arrays are not kept). */
    private static INDArray rows(INDArray a, int at, int n) {
        INDArrayIndex[] idx = new INDArrayIndex[a.rank()];
        Arrays.fill(idx, NDArrayIndex.all());
        idx[0] = NDArrayIndex.interval(at, at + n);
        return a.get(idx).dup();
    }

    /** Refuses new requests, runs the queued ones, and waits up to {@code waitMs} for the last batch. */
    void drain(long waitMs) throws InterruptedException {
        closing = true;
        worker.join(waitMs);
    }

    @Override
    public void close() {
        closing = true;
        worker.interrupt();
    }
}
