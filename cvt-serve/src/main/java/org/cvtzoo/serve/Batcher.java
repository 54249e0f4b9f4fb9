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
import java.util.NavigableSet;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Dynamic batching for one model: requests that arrive within {@code maxDelay} of the first
 * waiting one (or of the model becoming free) run together, up to {@code maxBatch} images, on
 * one thread; past {@code maxDelay}, a batch that is not full still waits for the requests of
 * its model that are being decoded. Under light load (the last batch was one request alone,
 * and nothing else waits or is being decoded) a request runs at once.
 *
 * <p>The model runs a few batch sizes (1, 2, 4, ... and {@code maxBatch}), so that it keeps one
 * execution plan per size instead of building one for every batch size that happens to arrive.
 * A batch of another size runs as passes of those sizes, largest first (9 images as 8 + 1),
 * not padded to the next size: on a CPU a pass's time grows with its images (CvT-13: about
 * 18 ms a pass plus 66 ms an image), so padding 9 images to 16 would cost 7 images for nothing
 * and an extra pass costs little. The images of a batch do not interact (normalisation is per
 * image), so each request's rows are what it would get alone (checked by BatcherTest against
 * {@link VisionModel#forward} one by one).
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

    /** Longest a batch waits past its max-delay for requests of its model that are still being decoded. */
    static final long DECODING_WAIT_MS = 1000;
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final String name;
    private final ServedModel.Engine engine;
    private final int maxBatch;
    private final long maxDelayNanos;
    private final BlockingQueue<Job> queue;
    private final Metrics metrics;
    private final ForwardGate gate;
    /** The batch sizes the model runs, each on its own execution plan. */
    private final TreeSet<Integer> sizes = new TreeSet<>();
    private final Thread worker;
    private volatile boolean closing;
    /** Requests for this model accepted and being decoded or parsed, not yet queued: the batch being formed waits for them. */
    private final AtomicInteger decoding = new AtomicInteger();
    /** A job taken from the queue that did not fit the batch being formed; it starts the next one. */
    private Job carried;
    /** Whether the last batch was one request alone: the load is light (see {@link #nextBatch}). */
    private boolean lastRanAlone;

    /** Starts the batching thread after one forward pass of each size it runs at {@code height x width}. */
    Batcher(String name, VisionModel model, ServedModel.Engine engine, int height, int width, int maxBatch, int maxDelayMs, int queueCapacity, Metrics metrics,
            ForwardGate gate) {
        this.name = name;
        this.engine = engine;
        this.maxBatch = maxBatch;
        this.maxDelayNanos = TimeUnit.MILLISECONDS.toNanos(maxDelayMs);
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        this.metrics = metrics;
        this.gate = gate;
        for (int b = 1; b < maxBatch; b *= 2) sizes.add(b);
        sizes.add(maxBatch);
        model.setPlanCacheSize(sizes.size());
        for (int b : sizes) engine.forward(Nd4j.zeros(DataType.FLOAT, b, 3, height, width)); // builds each size's plan before the first request
        worker = new Thread(this::loop, "cvt-batcher-" + name);
        worker.setDaemon(true);
        worker.start();
    }

    /**
     * Queues an input {@code [b, 3, H, W]} (b <= maxBatch). The batcher owns it from here: it is
     * freed once its batch has run, or at once where it is refused.
     *
     * @throws HttpError 503 with Retry-After when the queue is full or the server is shutting down
     */
    Job submit(INDArray input) {
        HttpError refused = input.size(0) > maxBatch
                ? new HttpError(400, "a batch of " + input.size(0) + " images is more than the server's --max-batch " + maxBatch)
                : closing ? new HttpError(503, "the server is shutting down", 1) : null;
        Job job = new Job(input);
        if (refused == null && !queue.offer(job)) refused = new HttpError(503, "model " + name + " has " + queue.size() + " requests waiting; try again", 1);
        if (refused != null) {
            free(input);
            throw refused;
        }
        return job;
    }

    /** A request for this model is being decoded: until {@link #decoded}, a batch that is not full waits for it. */
    void decoding() {
        decoding.incrementAndGet();
    }

    /** The request counted by {@link #decoding} is queued (after {@link #submit}) or failed. */
    void decoded() {
        decoding.decrementAndGet();
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
            for (Job j : batch) if (j.result.isDone()) free(j.input); // timed out, or the client went away
            batch.removeIf(j -> j.result.isDone());
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
        // the window opens when the model is free and a request waits; past it, the batch still
        // waits for requests already being decoded (clients answered by the last batch come back
        // together, but decoding them takes a while: without this, the batch would leave with
        // the first few and the rest would form a small batch of their own, over and over)
        // under light load (the last batch was one request alone, and no other request is queued or
        // being decoded) the request runs at once: waiting max-delay would find no company, and
        // costs a lone client that much on every request (10 ms of CvT-13's 100 at concurrency 1)
        boolean alone = lastRanAlone && queue.isEmpty() && decoding.get() == 0;
        long now = System.nanoTime(), window = now + (alone ? 0 : maxDelayNanos);
        long last = window + TimeUnit.MILLISECONDS.toNanos(DECODING_WAIT_MS);
        while (images < maxBatch) {
            boolean more = decoding.get() > 0;
            long until = more ? last : window, left = until - now;
            Job next = left <= 0 ? queue.poll()
                    : queue.poll(more ? Math.min(left, POLL_NANOS) : left, TimeUnit.NANOSECONDS); // re-check the count now and then
            now = System.nanoTime();
            if (next == null) {
                if (now >= until && decoding.get() == 0 || now >= last) break;
                continue;
            }
            if (images + next.images() > maxBatch || !next.sameSize(first)) {
                carried = next;
                break;
            }
            batch.add(next);
            images += next.images();
        }
        lastRanAlone = batch.size() == 1;
        return batch;
    }

    private void run(List<Job> batch) {
        List<INDArray> made = new ArrayList<>(); // this batch's arrays, freed once the jobs have their rows
        gate.passStarted();
        try {
            INDArray x = batch.size() == 1 ? batch.get(0).input : keep(made, Nd4j.concat(0, batch.stream().map(j -> j.input).toArray(INDArray[]::new)));
            int images = (int) x.size(0);
            List<VisionModel.Output> parts = new ArrayList<>();
            int at = 0;
            long start = System.nanoTime();
            for (int n : passes(images, sizes)) {
                VisionModel.Output out = engine.forward(images == n ? x : keep(made, rows(x, at, n)));
                parts.add(out);
                made.addAll(arrays(out));
                at += n;
            }
            metrics.batch(name, images, (System.nanoTime() - start) / 1e9);
            VisionModel.Output out = parts.size() == 1 ? parts.get(0) : new VisionModel.Output(join(parts, VisionModel.Output::logits),
                    join(parts, VisionModel.Output::features), parts.get(0).attention() == null ? null : join(parts, VisionModel.Output::attention));
            if (parts.size() > 1) made.addAll(arrays(out));
            at = 0;
            for (Job j : batch) {
                int n = j.images();
                j.result.complete(new VisionModel.Output(rows(out.logits(), at, n), rows(out.features(), at, n),
                        out.attention() == null ? null : rows(out.attention(), at, n)));
                at += n;
            }
        } catch (RuntimeException | OutOfMemoryError e) {
            for (Job j : batch) j.result.completeExceptionally(e);
        } finally {
            gate.passEnded();
            // ND4J's arrays live off the heap, where the garbage collector does not see them pile up
            // (under load, hundreds of MB a minute): free them now
            for (Job j : batch) free(j.input);
            made.forEach(Batcher::free);
        }
    }

    private static INDArray keep(List<INDArray> made, INDArray a) {
        made.add(a);
        return a;
    }

    private static List<INDArray> arrays(VisionModel.Output out) {
        return out.attention() == null ? List.of(out.logits(), out.features()) : List.of(out.logits(), out.features(), out.attention());
    }

    /** Frees an array's off-heap memory now (nothing may use it after); views and the like are left to the collector. */
    static void free(INDArray a) {
        if (a != null && a.closeable()) a.close();
    }

    /** {@code images} as passes of the sizes the model runs (which include 1), largest first. */
    static List<Integer> passes(int images, NavigableSet<Integer> sizes) {
        List<Integer> out = new ArrayList<>();
        for (int left = images; left > 0; left -= out.get(out.size() - 1)) out.add(sizes.floor(left));
        return out;
    }

    /** One array of the parts' outputs, one after the other. */
    private static INDArray join(List<VisionModel.Output> parts, Function<VisionModel.Output, INDArray> array) {
        return Nd4j.concat(0, parts.stream().map(array).toArray(INDArray[]::new));
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
