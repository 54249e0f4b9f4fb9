package org.cvtzoo.zoo.download;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Downloads from a real HTTP server on loopback, serving a fixture checkpoint. */
class WeightsCacheTest {
    @TempDir
    Path tmp;

    private HttpServer server;
    private byte[] checkpoint;
    private String sha;
    private final AtomicInteger requests = new AtomicInteger();
    private final ByteArrayOutputStream progress = new ByteArrayOutputStream();

    @BeforeEach
    void start() throws Exception {
        checkpoint = Files.readAllBytes(Path.of(WeightsCacheTest.class.getResource("/fixtures/cvt_tiny/model.pth").toURI()));
        sha = WeightsCache.sha256(Path.of(WeightsCacheTest.class.getResource("/fixtures/cvt_tiny/model.pth").toURI()));
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/good", ex -> serve(ex, checkpoint, true));
        server.createContext("/no-ranges", ex -> serve(ex, checkpoint, false));
        server.createContext("/corrupt", ex -> {
            byte[] bad = checkpoint.clone();
            bad[bad.length / 2] ^= 0x5a;
            serve(ex, bad, true);
        });
        // the first request breaks off half way; later ones serve (and resume) properly
        server.createContext("/flaky", ex -> {
            if (requests.incrementAndGet() == 1) {
                ex.sendResponseHeaders(200, checkpoint.length);
                ex.getResponseBody().write(checkpoint, 0, checkpoint.length / 2);
                ex.getResponseBody().flush();
                ex.close(); // connection ends early
            } else {
                serve(ex, checkpoint, true);
            }
        });
        server.createContext("/slow", ex -> {
            try {
                Thread.sleep(3000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            serve(ex, checkpoint, true);
        });
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private static void serve(HttpExchange ex, byte[] body, boolean ranges) throws IOException {
        String range = ex.getRequestHeaders().getFirst("Range");
        int from = 0;
        if (ranges && range != null && range.startsWith("bytes=") && range.endsWith("-")) {
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

    private URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    private WeightsCache cache(Duration readTimeout) {
        return new WeightsCache(tmp.resolve("models"), Duration.ofSeconds(5), readTimeout,
                new PrintStream(progress, true));
    }

    @Test
    void goodDownloadIsVerifiedAndCached() throws IOException {
        WeightsCache c = cache(Duration.ofSeconds(10));
        Path p = c.fetch("cvt-tiny", "model.pth", url("/good"), sha);
        assertEquals(c.location("cvt-tiny", "model.pth"), p);
        assertArrayEquals(checkpoint, Files.readAllBytes(p));
        assertFalse(Files.exists(p.resolveSibling("model.pth.part")));
        assertTrue(progress.toString().contains("100.0%"), progress.toString());
        server.removeContext("/good"); // a second fetch uses the cache, not the network
        assertEquals(p, c.fetch("cvt-tiny", "model.pth", url("/good"), sha));
    }

    @Test
    void interruptedDownloadResumes() throws IOException {
        WeightsCache c = cache(Duration.ofSeconds(10));
        DownloadException first = assertThrows(DownloadException.class, () -> c.fetch("cvt-tiny", "model.pth", url("/flaky"), sha));
        assertTrue(first.getMessage().contains("resume"), first.getMessage());
        Path part = c.location("cvt-tiny", "model.pth").resolveSibling("model.pth.part");
        long kept = Files.size(part); // what arrived before the connection broke
        assertTrue(kept <= checkpoint.length / 2, "part file holds " + kept + " bytes");
        assertFalse(Files.exists(c.location("cvt-tiny", "model.pth")), "no file under the real name yet");
        Path p = c.fetch("cvt-tiny", "model.pth", url("/flaky"), sha);
        assertArrayEquals(checkpoint, Files.readAllBytes(p));
        if (kept > 0) assertTrue(progress.toString().contains("resuming"), progress.toString());
        assertEquals(2, requests.get());
    }

    @Test
    void serverWithoutRangesRestartsFromZero() throws IOException {
        WeightsCache c = cache(Duration.ofSeconds(10));
        Path part = c.location("cvt-tiny", "model.pth").resolveSibling("model.pth.part");
        Files.createDirectories(part.getParent());
        Files.write(part, Arrays.copyOf(checkpoint, 1000));
        assertArrayEquals(checkpoint, Files.readAllBytes(c.fetch("cvt-tiny", "model.pth", url("/no-ranges"), sha)));
    }

    @Test
    void corruptDownloadIsRejectedAndNothingKept() throws IOException {
        WeightsCache c = cache(Duration.ofSeconds(10));
        DownloadException e = assertThrows(DownloadException.class, () -> c.fetch("cvt-tiny", "model.pth", url("/corrupt"), sha));
        assertTrue(e.getMessage().contains("corrupt") && e.getMessage().contains(sha), e.getMessage());
        try (var files = Files.list(c.location("cvt-tiny", "model.pth").getParent())) {
            assertEquals(0, files.count(), "nothing left in the cache");
        }
    }

    @Test
    void notFoundSaysWhereToPutTheFile() {
        WeightsCache c = cache(Duration.ofSeconds(10));
        DownloadException e = assertThrows(DownloadException.class, () -> c.fetch("cvt-tiny", "model.pth", url("/missing"), sha));
        assertTrue(e.getMessage().contains("HTTP 404"), e.getMessage());
        assertTrue(e.getMessage().contains(c.location("cvt-tiny", "model.pth").toString()), e.getMessage());
        assertFalse(Files.exists(c.location("cvt-tiny", "model.pth")));
    }

    @Test
    void slowServerTimesOut() {
        WeightsCache c = cache(Duration.ofMillis(500));
        DownloadException e = assertThrows(DownloadException.class, () -> c.fetch("cvt-tiny", "model.pth", url("/slow"), sha));
        assertTrue(e.getMessage().contains("timeout") || e.getMessage().contains("timed out"), e.getMessage());
        assertFalse(Files.exists(c.location("cvt-tiny", "model.pth")));
    }

    @Test
    void offlineMachineIsToldWhereToPutTheFile() throws IOException {
        WeightsCache c = cache(Duration.ofSeconds(2));
        int closedPort;
        try (var s = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        DownloadException e = assertThrows(DownloadException.class,
                () -> c.fetch("cvt-tiny", "model.pth", URI.create("http://127.0.0.1:" + closedPort + "/x"), sha));
        // the library's message speaks Java (the CLI adds its own --weights FILE)
        assertTrue(e.getMessage().contains("Offline?") && e.getMessage().contains("Zoo.load(\"cvt-tiny\", file)"), e.getMessage());
        assertTrue(!e.getMessage().contains("--weights"), e.getMessage());
    }

    @Test
    void corruptCachedFileIsReported() throws IOException {
        WeightsCache c = cache(Duration.ofSeconds(10));
        Path target = c.location("cvt-tiny", "model.pth");
        Files.createDirectories(target.getParent());
        Files.write(target, new byte[]{1, 2, 3});
        DownloadException e = assertThrows(DownloadException.class, () -> c.fetch("cvt-tiny", "model.pth", url("/good"), sha));
        assertTrue(e.getMessage().contains("delete it"), e.getMessage());
    }

    @Test
    void unknownChecksumIsAWarningWithTheHash() throws IOException {
        WeightsCache c = cache(Duration.ofSeconds(10));
        c.fetch("cvt-tiny", "model.pth", url("/good"), null);
        assertTrue(progress.toString().contains("no published SHA-256") && progress.toString().contains(sha), progress.toString());
    }

    @Test
    void cacheDirectoryFollowsTheSystemProperty() {
        String old = System.getProperty(WeightsCache.DIR_PROPERTY);
        try {
            System.setProperty(WeightsCache.DIR_PROPERTY, tmp.toString());
            assertEquals(tmp, WeightsCache.defaultRoot());
        } finally {
            if (old == null) System.clearProperty(WeightsCache.DIR_PROPERTY);
            else System.setProperty(WeightsCache.DIR_PROPERTY, old);
        }
    }
}
