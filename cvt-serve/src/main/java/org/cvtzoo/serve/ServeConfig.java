package org.cvtzoo.serve;

import org.cvtzoo.core.ZooException;

/**
 * How the server listens, batches and sheds load.
 *
 * @param host          address to bind (127.0.0.1: this machine only; 0.0.0.0: every interface)
 * @param port          TCP port (0: any free one, see {@link ModelServer#port()})
 * @param maxBatch      most images run together in one forward pass
 * @param maxDelayMs    how long a batch waits for more requests once the model is free (and up to 1 s more for those being decoded)
 * @param queue         most requests waiting per model (and waiting for decoding); past it, 503
 * @param threads       threads that decode and preprocess images
 * @param timeoutMs     a request not answered within this is answered 504
 * @param maxBodyBytes  larger request bodies are answered 413
 * @param maxPixels     larger images (width x height, read from the header before decoding) are answered 413
 */
public record ServeConfig(String host, int port, int maxBatch, int maxDelayMs, int queue, int threads, long timeoutMs,
                          int maxBodyBytes, long maxPixels) {
    public ServeConfig {
        if (port < 0 || port > 65535) throw new ZooException("port must be 0..65535, got " + port);
        if (maxBatch < 1) throw new ZooException("max batch must be >= 1, got " + maxBatch);
        if (maxDelayMs < 0) throw new ZooException("max delay must be >= 0 ms, got " + maxDelayMs);
        if (queue < 1) throw new ZooException("queue must be >= 1, got " + queue);
        if (threads < 1) throw new ZooException("threads must be >= 1, got " + threads);
        if (timeoutMs < 1) throw new ZooException("timeout must be >= 1 ms, got " + timeoutMs);
        if (maxBodyBytes < 1) throw new ZooException("max body must be >= 1 byte, got " + maxBodyBytes);
        if (maxPixels < 1) throw new ZooException("max pixels must be >= 1, got " + maxPixels);
    }

    /** Loopback, port 8080, batches of up to 16 within 10 ms, a queue of 256, 30 s timeout, 10 MiB bodies, 40 Mpx images. */
    public static ServeConfig defaults() {
        return new ServeConfig("127.0.0.1", 8080, 16, 10, 256, Math.max(1, Runtime.getRuntime().availableProcessors()),
                30_000, 10 << 20, 40_000_000L);
    }

    public ServeConfig withPort(int p) {
        return new ServeConfig(host, p, maxBatch, maxDelayMs, queue, threads, timeoutMs, maxBodyBytes, maxPixels);
    }

    public ServeConfig withBatching(int batch, int delayMs) {
        return new ServeConfig(host, port, batch, delayMs, queue, threads, timeoutMs, maxBodyBytes, maxPixels);
    }

    public ServeConfig withQueue(int q) {
        return new ServeConfig(host, port, maxBatch, maxDelayMs, q, threads, timeoutMs, maxBodyBytes, maxPixels);
    }

    public ServeConfig withTimeoutMs(long t) {
        return new ServeConfig(host, port, maxBatch, maxDelayMs, queue, threads, t, maxBodyBytes, maxPixels);
    }

    public ServeConfig withLimits(int bodyBytes, long pixels) {
        return new ServeConfig(host, port, maxBatch, maxDelayMs, queue, threads, timeoutMs, bodyBytes, pixels);
    }
}
