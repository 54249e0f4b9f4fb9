package org.cvtzoo.serve;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToLongFunction;

/**
 * The server's counters and histograms, written in Prometheus' text exposition format (version
 * 0.0.4), as TorchServe and Triton expose theirs on {@code /metrics}.
 */
final class Metrics {
    private static final double[] LATENCY_BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

    private final Map<String, LongAdder> requests = new ConcurrentSkipListMap<>();
    private final Map<String, Histogram> latency = new ConcurrentHashMap<>();
    private final Map<String, Histogram> inference = new ConcurrentHashMap<>();
    private final Map<String, Histogram> batchSize = new ConcurrentHashMap<>();
    private final Map<String, Histogram> preprocess = new ConcurrentHashMap<>();
    private final double[] batchBuckets;

    /** Batch-size buckets: 1, 2, 4, ... up to {@code maxBatch}. */
    Metrics(int maxBatch) {
        int n = 0;
        for (int b = 1; b < maxBatch; b *= 2) n++;
        batchBuckets = new double[n + 1];
        for (int i = 0, b = 1; i < n; i++, b *= 2) batchBuckets[i] = b;
        batchBuckets[n] = maxBatch;
    }

    /** A request answered: its model ("" where none was named), endpoint, status and seconds from arrival to response. */
    void request(String model, String endpoint, int status, double seconds) {
        requests.computeIfAbsent(labels("model", model, "endpoint", endpoint, "code", Integer.toString(status)),
                k -> new LongAdder()).increment();
        latency.computeIfAbsent(labels("model", model, "endpoint", endpoint, "code", Integer.toString(status)),
                k -> new Histogram(LATENCY_BUCKETS)).observe(seconds);
    }

    /** One batch: its images and the seconds of its forward passes. */
    void batch(String model, int images, double seconds) {
        batchSize.computeIfAbsent(labels("model", model), k -> new Histogram(batchBuckets)).observe(images);
        inference.computeIfAbsent(labels("model", model), k -> new Histogram(LATENCY_BUCKETS)).observe(seconds);
    }

    /** Decoding and preprocessing one request's image. */
    void preprocess(String model, double seconds) {
        preprocess.computeIfAbsent(labels("model", model), k -> new Histogram(LATENCY_BUCKETS)).observe(seconds);
    }

    /** The exposition text; {@code queueDepth} gives each model's waiting requests now. */
    String render(Iterable<String> models, ToLongFunction<String> queueDepth, long decodeWaiting) {
        StringBuilder out = new StringBuilder();
        header(out, "cvt_requests_total", "counter", "Requests answered, by model, endpoint and HTTP status.");
        requests.forEach((l, v) -> line(out, "cvt_requests_total", l, v.sum()));
        header(out, "cvt_queue_depth", "gauge", "Requests waiting to be batched, by model.");
        for (String m : models) line(out, "cvt_queue_depth", labels("model", m), queueDepth.applyAsLong(m));
        header(out, "cvt_decode_queue_depth", "gauge", "Requests waiting for an image-decoding thread.");
        line(out, "cvt_decode_queue_depth", "", decodeWaiting);
        header(out, "cvt_heap_used_bytes", "gauge", "Java heap in use.");
        Runtime rt = Runtime.getRuntime();
        line(out, "cvt_heap_used_bytes", "", rt.totalMemory() - rt.freeMemory());
        header(out, "cvt_heap_committed_bytes", "gauge", "Java heap reserved from the system.");
        line(out, "cvt_heap_committed_bytes", "", rt.totalMemory());
        if (ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider netty) { // the connections' buffers
            header(out, "cvt_netty_direct_bytes", "gauge", "Off-heap memory held by Netty's buffer allocator (in use and pooled).");
            line(out, "cvt_netty_direct_bytes", "", netty.metric().usedDirectMemory());
        }
        // ND4J's CPU arrays are allocated by libnd4j, outside JavaCPP's counters: the resident
        // size less the committed heap is what sits off the heap (arrays, plans, code, stacks)
        long rss = residentBytes();
        if (rss >= 0) {
            header(out, "process_resident_memory_bytes", "gauge", "Resident memory of the process (heap and off-heap).");
            line(out, "process_resident_memory_bytes", "", rss);
        }
        histograms(out, "cvt_request_duration_seconds", "Time from a request's arrival to its response, by status.", latency);
        histograms(out, "cvt_batch_size", "Images per batch (a batch runs as one or more forward passes of the planned sizes).", batchSize);
        histograms(out, "cvt_inference_duration_seconds", "Time of a batch's forward passes.", inference);
        histograms(out, "cvt_preprocess_duration_seconds", "Time to decode and preprocess one request's image.", preprocess);
        return out.toString();
    }

    /** VmRSS from /proc/self/status (Linux); -1 where there is none. */
    private static long residentBytes() {
        try {
            for (String l : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (l.startsWith("VmRSS:")) return 1024 * Long.parseLong(l.replaceAll("[^0-9]", ""));
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux
        }
        return -1;
    }

    private static void histograms(StringBuilder out, String name, String help, Map<String, Histogram> hs) {
        header(out, name, "histogram", help);
        new ConcurrentSkipListMap<>(hs).forEach((l, h) -> h.render(out, name, l));
    }

    private static void header(StringBuilder out, String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void line(StringBuilder out, String name, String labels, double value) {
        out.append(name);
        if (!labels.isEmpty()) out.append('{').append(labels).append('}');
        out.append(' ').append(number(value)).append('\n');
    }

    private static String number(double v) {
        if (v == Double.POSITIVE_INFINITY) return "+Inf";
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    /** {@code k1="v1",k2="v2"} with the format's escapes. */
    static String labels(String... kv) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < kv.length; i += 2) {
            if (b.length() > 0) b.append(',');
            b.append(kv[i]).append("=\"").append(kv[i + 1].replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")).append('"');
        }
        return b.toString();
    }

    /** A cumulative histogram with fixed upper bounds. */
    private static final class Histogram {
        final double[] bounds;
        final LongAdder[] counts;
        final LongAdder count = new LongAdder();
        final DoubleAdder sum = new DoubleAdder();

        Histogram(double[] bounds) {
            this.bounds = bounds;
            counts = new LongAdder[bounds.length];
            for (int i = 0; i < counts.length; i++) counts[i] = new LongAdder();
        }

        void observe(double v) {
            for (int i = 0; i < bounds.length; i++) {
                if (v <= bounds[i]) {
                    counts[i].increment();
                    break;
                }
            }
            sum.add(v);
            count.increment(); // a scrape between the two sees a bucket ahead of the count: render takes the larger
        }

        void render(StringBuilder out, String name, String labels) {
            String sep = labels.isEmpty() ? "" : labels + ",";
            long cumulative = 0;
            for (int i = 0; i < bounds.length; i++) {
                cumulative += counts[i].sum();
                line(out, name + "_bucket", sep + "le=\"" + String.format(Locale.ROOT, "%s", number(bounds[i])) + "\"", cumulative);
            }
            long total = count.sum();
            line(out, name + "_bucket", sep + "le=\"+Inf\"", Math.max(total, cumulative));
            line(out, name + "_sum", labels, sum.sum());
            line(out, name + "_count", labels, Math.max(total, cumulative));
        }
    }
}
