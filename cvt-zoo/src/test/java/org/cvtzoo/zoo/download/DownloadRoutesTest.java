package org.cvtzoo.zoo.download;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Downloads through a mirror, a Hugging Face endpoint and the JVM's proxy, each a server on
 * loopback that the test starts, with the faults of {@link WeightsCacheTest}. The original URLs
 * point at a closed loopback port or at huggingface.co; any request for a host other than
 * loopback ends in a proxy that refuses it and records it, and no test may leave one there:
 * nothing reaches any other address.
 */
@Timeout(30)
class DownloadRoutesTest {
    private static final List<String> PROXY_PROPERTIES = List.of(
            "http.proxyHost", "http.proxyPort", "https.proxyHost", "https.proxyPort", "http.nonProxyHosts");

    /** The three ways to a file other than its own URL. */
    enum Route { MIRROR, HF_ENDPOINT, PROXY }

    @TempDir
    Path tmp;

    private final Map<String, String> savedProperties = new HashMap<>();
    private final ByteArrayOutputStream progress = new ByteArrayOutputStream();
    private byte[] checkpoint;
    private String sha;
    private int closedPort;
    private FaultServer server;
    private RefusingProxy trap;

    @BeforeEach
    void start() throws Exception {
        Path fixture = Path.of(DownloadRoutesTest.class.getResource("/fixtures/cvt_tiny/model.pth").toURI());
        checkpoint = Files.readAllBytes(fixture);
        sha = WeightsCache.sha256(fixture);
        closedPort = closedPort();
        server = new FaultServer(checkpoint);
        trap = new RefusingProxy(403);
        for (String p : PROXY_PROPERTIES) savedProperties.put(p, System.getProperty(p));
        // the JVM's default nonProxyHosts (localhost, 127.*, ...) lets loopback through directly
        System.clearProperty("http.nonProxyHosts");
        useProxy("http", trap.port());
        useProxy("https", trap.port());
    }

    @AfterEach
    void stop() throws IOException {
        savedProperties.forEach((k, v) -> {
            if (v == null) System.clearProperty(k);
            else System.setProperty(k, v);
        });
        server.close();
        trap.close();
        assertEquals(List.of(), trap.requests(), "requests that would have left loopback");
    }

    private static int closedPort() throws IOException {
        try (var s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void useProxy(String scheme, int port) {
        System.setProperty(scheme + ".proxyHost", "127.0.0.1");
        System.setProperty(scheme + ".proxyPort", String.valueOf(port));
    }

    /** One download set up along a route: the cache, the file's published URL, the URL it comes from. */
    private record Setup(WeightsCache cache, URI original, URI used, String recorded) {
        Path fetch(String model, String sha) {
            return cache.fetch(model, "model.pth", original, sha);
        }
    }

    /** The file of model {@code fault} (whose name is the fault the server plays) along a route whose server is on {@code port}. */
    private Setup setup(Route route, String fault, int port, Duration readTimeout) {
        String base = "http://127.0.0.1:" + port;
        URI closed = URI.create("http://127.0.0.1:" + closedPort + "/origin/" + fault + "/model.pth");
        return switch (route) {
            case MIRROR -> {
                Sources s = Sources.from(Map.of(Sources.MIRROR_PROPERTY, base + "/models/")::get, k -> null);
                URI used = URI.create(base + "/models/" + fault + "/model.pth");
                yield new Setup(cache(s, readTimeout), closed, used, "GET " + used.getPath());
            }
            case HF_ENDPOINT -> {
                Sources s = Sources.from(k -> null, Map.of(Sources.HF_ENDPOINT_ENV, base + "/hf")::get);
                URI hub = URI.create("https://huggingface.co/org/" + fault + "/resolve/main/model.pth");
                URI used = URI.create(base + "/hf/org/" + fault + "/resolve/main/model.pth");
                yield new Setup(cache(s, readTimeout), hub, used, "GET " + used.getPath());
            }
            case PROXY -> {
                useProxy("http", port);
                System.setProperty("http.nonProxyHosts", ""); // even loopback goes through the proxy
                yield new Setup(cache(Sources.direct(), readTimeout), closed, closed, "GET " + closed);
            }
        };
    }

    private WeightsCache cache(Sources sources, Duration readTimeout) {
        return new WeightsCache(tmp.resolve("models"), sources, Duration.ofSeconds(5), readTimeout,
                new PrintStream(progress, true));
    }

    private Setup setup(Route route, String fault) {
        return setup(route, fault, server.port(), Duration.ofSeconds(10));
    }

    /** What a failure says of the way it went: the URL used, and the setting or proxy that chose it. */
    private static void assertNamesTheRoute(Route route, Setup s, String message) {
        assertTrue(message.contains(" from " + s.used()), message);
        switch (route) {
            case MIRROR -> assertTrue(message.contains("(cvt.mirror, in place of " + s.original() + ")"), message);
            case HF_ENDPOINT -> assertTrue(message.contains("(HF_ENDPOINT, in place of " + s.original() + ")"), message);
            case PROXY -> assertTrue(message.contains(" through the proxy 127.0.0.1:"), message);
        }
    }

    @ParameterizedTest
    @EnumSource(Route.class)
    void fileComesAlongTheRoute(Route route) throws IOException {
        Setup s = setup(route, "good");
        Path p = s.fetch("good", sha);
        assertEquals(s.cache().location("good", "model.pth"), p);
        assertArrayEquals(checkpoint, Files.readAllBytes(p));
        assertEquals(List.of(s.recorded()), server.requests());
        assertTrue(progress.toString().contains("downloading good from " + s.used()), progress.toString());
    }

    @ParameterizedTest
    @EnumSource(Route.class)
    void brokenDownloadResumesAlongTheRoute(Route route) throws IOException {
        Setup s = setup(route, "flaky");
        DownloadException first = assertThrows(DownloadException.class, () -> s.fetch("flaky", sha));
        assertTrue(first.getMessage().contains("run again to resume"), first.getMessage());
        assertNamesTheRoute(route, s, first.getMessage());
        long kept = Files.size(s.cache().location("flaky", "model.pth").resolveSibling("model.pth.part"));
        assertArrayEquals(checkpoint, Files.readAllBytes(s.fetch("flaky", sha)));
        List<String> expected = kept > 0 ? List.of(s.recorded(), s.recorded() + " bytes=" + kept + "-")
                : List.of(s.recorded(), s.recorded());
        assertEquals(expected, server.requests());
    }

    @ParameterizedTest
    @EnumSource(Route.class)
    void serverWithoutRangesRestartsFromZero(Route route) throws IOException {
        Setup s = setup(route, "noranges");
        Path part = s.cache().location("noranges", "model.pth").resolveSibling("model.pth.part");
        Files.createDirectories(part.getParent());
        Files.write(part, java.util.Arrays.copyOf(checkpoint, 1000));
        assertArrayEquals(checkpoint, Files.readAllBytes(s.fetch("noranges", sha)));
        assertEquals(List.of(s.recorded() + " bytes=1000-"), server.requests());
    }

    @ParameterizedTest
    @EnumSource(Route.class)
    void corruptFileIsRejectedAndNothingKept(Route route) throws IOException {
        Setup s = setup(route, "corrupt");
        DownloadException e = assertThrows(DownloadException.class, () -> s.fetch("corrupt", sha));
        assertTrue(e.getMessage().startsWith("download of " + s.used() + " is corrupt"), e.getMessage());
        try (var files = Files.list(s.cache().location("corrupt", "model.pth").getParent())) {
            assertEquals(0, files.count(), "nothing left in the cache");
        }
    }

    @ParameterizedTest
    @EnumSource(Route.class)
    void missingFileNamesTheUrlUsed(Route route) {
        Setup s = setup(route, "missing");
        DownloadException e = assertThrows(DownloadException.class, () -> s.fetch("missing", sha));
        assertTrue(e.getMessage().contains("(HTTP 404 not found)"), e.getMessage());
        assertNamesTheRoute(route, s, e.getMessage());
        assertTrue(e.getMessage().contains(s.cache().location("missing", "model.pth").toString()), e.getMessage());
    }

    @ParameterizedTest
    @EnumSource(Route.class)
    void slowRouteTimesOut(Route route) {
        Setup s = setup(route, "slow", server.port(), Duration.ofMillis(500));
        DownloadException e = assertThrows(DownloadException.class, () -> s.fetch("slow", sha));
        assertTrue(e.getMessage().contains("(no data within the timeout)"), e.getMessage());
        assertNamesTheRoute(route, s, e.getMessage());
        assertFalse(Files.exists(s.cache().location("slow", "model.pth")));
    }

    @ParameterizedTest
    @EnumSource(Route.class)
    void routeThatIsDownSaysSo(Route route) {
        Setup s = setup(route, "good", closedPort, Duration.ofSeconds(2));
        DownloadException e = assertThrows(DownloadException.class, () -> s.fetch("good", sha));
        assertTrue(e.getMessage().contains("(cannot connect)"), e.getMessage());
        assertNamesTheRoute(route, s, e.getMessage());
        assertTrue(e.getMessage().contains(route == Route.PROXY ? "Is the proxy up?" : "Offline?"), e.getMessage());
    }

    @Test
    void httpsGoesThroughTheHttpsProxyAndItsRefusalIsReported() throws IOException {
        try (RefusingProxy proxy = new RefusingProxy(403)) {
            useProxy("https", proxy.port());
            System.setProperty("http.nonProxyHosts", "");
            URI url = URI.create("https://127.0.0.1:" + closedPort + "/org/model.pth");
            DownloadException e = assertThrows(DownloadException.class,
                    () -> cache(Sources.direct(), Duration.ofSeconds(5)).fetch("m", "model.pth", url, sha));
            assertEquals(List.of("CONNECT 127.0.0.1:" + closedPort + " HTTP/1.1"), proxy.requests());
            assertTrue(e.getMessage().contains("from " + url + " through the proxy 127.0.0.1:" + proxy.port()
                    + " (the proxy refused the connection with HTTP 403)"), e.getMessage());
        }
    }

    @Test
    void proxyAskingForCredentialsIsReported() throws IOException {
        try (RefusingProxy proxy = new RefusingProxy(407)) {
            useProxy("http", proxy.port());
            System.setProperty("http.nonProxyHosts", "");
            URI url = URI.create("http://127.0.0.1:" + closedPort + "/org/model.pth");
            DownloadException e = assertThrows(DownloadException.class,
                    () -> cache(Sources.direct(), Duration.ofSeconds(5)).fetch("m", "model.pth", url, sha));
            assertEquals(List.of("GET " + url + " HTTP/1.1"), proxy.requests());
            assertTrue(e.getMessage().contains("(HTTP 407 proxy authentication required"), e.getMessage());
        }
    }

    @Test
    void hostsExemptFromTheProxyAreFetchedDirectly() throws IOException {
        try (RefusingProxy proxy = new RefusingProxy(403)) {
            useProxy("http", proxy.port());
            System.setProperty("http.nonProxyHosts", "127.0.0.1");
            URI url = URI.create("http://127.0.0.1:" + server.port() + "/good/model.pth");
            Path p = cache(Sources.direct(), Duration.ofSeconds(5)).fetch("m", "model.pth", url, sha);
            assertArrayEquals(checkpoint, Files.readAllBytes(p));
            assertEquals(List.of(), proxy.requests());
            assertEquals(List.of("GET /good/model.pth"), server.requests());
        }
    }

    @Test
    void hfEndpointLeavesOtherHostsAlone() throws IOException {
        Sources s = Sources.from(k -> null, Map.of(Sources.HF_ENDPOINT_ENV, "http://127.0.0.1:" + closedPort)::get);
        URI url = URI.create("http://127.0.0.1:" + server.port() + "/good/model.pth");
        Path p = cache(s, Duration.ofSeconds(5)).fetch("m", "model.pth", url, sha);
        assertArrayEquals(checkpoint, Files.readAllBytes(p));
        assertEquals(List.of("GET /good/model.pth"), server.requests());
    }
}
