package org.cvtzoo.zoo.download;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP server on loopback that serves one file at every path, with the fault that a segment
 * of the path names: {@code good}, {@code flaky} (the first response breaks off half way),
 * {@code corrupt} (one byte flipped), {@code slow} (3 s before answering), {@code noranges}
 * (ignores a range: always the whole file); any other path is 404. Otherwise it honours ranges.
 * It answers requests in a proxy's absolute form too ({@code GET http://host/path}), so it
 * serves as origin, mirror, Hugging Face endpoint and (caching) proxy. It records each request
 * as received.
 */
final class FaultServer implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final byte[] file;
    private final AtomicInteger flakyRequests = new AtomicInteger();
    private final List<String> requests = new CopyOnWriteArrayList<>();

    FaultServer(byte[] file) throws IOException {
        this.file = file;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    /** Each request as "METHOD uri [range]", the URI as the request line gave it. */
    List<String> requests() {
        return requests;
    }

    private void handle(HttpExchange ex) throws IOException {
        String range = ex.getRequestHeaders().getFirst("Range");
        requests.add(ex.getRequestMethod() + " " + ex.getRequestURI() + (range == null ? "" : " " + range));
        List<String> segments = List.of(ex.getRequestURI().getPath().toLowerCase(Locale.ROOT).split("/"));
        if (segments.contains("good")) {
            serve(ex, file);
        } else if (segments.contains("noranges")) {
            ex.sendResponseHeaders(200, file.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(file);
            }
        } else if (segments.contains("corrupt")) {
            byte[] bad = file.clone();
            bad[bad.length / 2] ^= 0x5a;
            serve(ex, bad);
        } else if (segments.contains("flaky") && flakyRequests.incrementAndGet() == 1) {
            ex.sendResponseHeaders(200, file.length);
            ex.getResponseBody().write(file, 0, file.length / 2);
            ex.getResponseBody().flush();
            ex.close(); // the connection ends early
        } else if (segments.contains("flaky")) {
            serve(ex, file);
        } else if (segments.contains("slow")) {
            try {
                Thread.sleep(3000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            serve(ex, file);
        } else {
            ex.sendResponseHeaders(404, -1);
            ex.close();
        }
    }

    private static void serve(HttpExchange ex, byte[] body) throws IOException {
        String range = ex.getRequestHeaders().getFirst("Range");
        int from = 0;
        if (range != null && range.startsWith("bytes=") && range.endsWith("-")) {
            from = Integer.parseInt(range.substring(6, range.length() - 1));
            ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (body.length - 1) + "/" + body.length);
            ex.sendResponseHeaders(206, body.length - from);
        } else {
            ex.sendResponseHeaders(200, body.length);
        }
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body, from, body.length - from);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
