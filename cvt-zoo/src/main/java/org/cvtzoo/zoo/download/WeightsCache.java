package org.cvtzoo.zoo.download;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Pretrained weights downloaded once into a cache ({@code ~/.deeplearning4j/models/<name>/},
 * as DL4J's own zoo; overridden by the system property {@value #DIR_PROPERTY} or the
 * environment variable {@value #DIR_ENV}). A download goes to {@code <file>.part}, resumes a
 * partial one with an HTTP range request, is checked against its SHA-256, and only then is moved
 * into place: the cache never holds a half-written or unverified file under the real name.
 *
 * <p>Files come from their own URL, a mirror or a Hugging Face endpoint, as {@link Sources} says,
 * through the proxy that the JVM's proxy settings give for that URL ({@code -Dhttps.proxyHost},
 * {@code -Dhttps.proxyPort}, {@code -Dhttp.nonProxyHosts}, ...; see {@link ProxySelector#getDefault()}),
 * or where none is set, the {@code https_proxy} / {@code HTTPS_PROXY} environment variables
 * ({@link EnvProxies}).
 */
public final class WeightsCache {
    public static final String DIR_PROPERTY = "cvt.models.dir";
    public static final String DIR_ENV = "CVT_MODELS_DIR";

    private final Path root;
    private final Sources sources;
    private final ProxySelector proxies = EnvProxies.fromEnvironment();
    private final HttpClient http;
    private final Duration readTimeout;
    private final PrintStream progress;

    /** A cache that downloads each file from its own URL. */
    public WeightsCache(Path root, Duration connectTimeout, Duration readTimeout, PrintStream progress) {
        this(root, Sources.direct(), connectTimeout, readTimeout, progress);
    }

    public WeightsCache(Path root, Sources sources, Duration connectTimeout, Duration readTimeout, PrintStream progress) {
        this.root = root;
        this.sources = sources;
        this.readTimeout = readTimeout;
        this.progress = progress;
        this.http = HttpClient.newBuilder().connectTimeout(connectTimeout).proxy(proxies)
                .followRedirects(HttpClient.Redirect.NORMAL).build();
    }

    /**
     * The cache in its default place, downloading from the sources the system properties and
     * environment name ({@link Sources#fromEnvironment()}), with progress on stderr.
     */
    public static WeightsCache standard() {
        return new WeightsCache(defaultRoot(), Sources.fromEnvironment(), Duration.ofSeconds(20),
                Duration.ofSeconds(60), System.err);
    }

    public static Path defaultRoot() {
        String dir = System.getProperty(DIR_PROPERTY);
        if (dir == null || dir.isBlank()) dir = System.getenv(DIR_ENV);
        if (dir != null && !dir.isBlank()) return Path.of(dir);
        return Path.of(System.getProperty("user.home"), ".deeplearning4j", "models");
    }

    public Path root() {
        return root;
    }

    /** Where the file of a model lives in the cache. */
    public Path location(String model, String fileName) {
        return root.resolve(model).resolve(fileName);
    }

    /**
     * The cached file, downloading it first if it is not there.
     *
     * @param sha256 the published SHA-256 (hex), or null where none is known: then the file is
     *               taken as downloaded, with a warning, and its hash is printed for the record
     */
    public Path fetch(String model, String fileName, URI url, String sha256) {
        Path target = location(model, fileName);
        if (Files.isRegularFile(target)) {
            if (sha256 != null && !sha256.equalsIgnoreCase(sha256(target))) {
                throw new DownloadException(target + " is in the cache but its SHA-256 is not the published "
                        + sha256 + "; delete it to download it again");
            }
            return target;
        }
        Path part = target.resolveSibling(fileName + ".part");
        Sources.Source source = sources.resolve(model, fileName, url);
        String proxy = proxyFor(source.url());
        String from = source.url()
                + (source.setting() == null ? "" : " (" + source.setting() + ", in place of " + url + ")")
                + (proxy == null ? "" : " through the proxy " + proxy);
        try {
            Files.createDirectories(target.getParent());
            if (progress != null) progress.println("downloading " + model + " from " + from);
            download(source.url(), part);
            String actual = sha256(part);
            if (sha256 != null && !sha256.equalsIgnoreCase(actual)) {
                Files.deleteIfExists(part);
                throw new DownloadException("download of " + source.url() + " is corrupt: SHA-256 " + actual
                        + ", published " + sha256 + " (nothing was kept; try again)");
            }
            if (sha256 == null && progress != null) {
                progress.println("warning: no published SHA-256 is known for " + model
                        + "; the file is not verified (its SHA-256 is " + actual + ")");
            }
            Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return target;
        } catch (IOException e) {
            boolean offline = e instanceof ConnectException || e instanceof HttpConnectTimeoutException
                    || e instanceof java.net.UnknownHostException;
            throw new DownloadException("cannot download " + model + " from " + from + " (" + describe(e)
                    + "). " + (offline ? (proxy == null ? "Offline? " : "Is the proxy up? ") : "")
                    + "Put the file at " + target
                    + (sha256 == null ? "" : " (SHA-256 " + sha256 + ")") + ", or load a local copy with Zoo.load(\"" + model
                    + "\", file)", e);
        }
    }

    /** The proxy (host:port) the JVM's settings give for a URL, or null for a direct connection. */
    private String proxyFor(URI url) {
        for (Proxy p : proxies.select(url)) {
            if (p.type() != Proxy.Type.DIRECT && p.address() instanceof InetSocketAddress a) {
                return a.getHostString() + ":" + a.getPort();
            }
        }
        return null;
    }

    private void download(URI url, Path part) throws IOException {
        long have = Files.isRegularFile(part) ? Files.size(part) : 0;
        HttpRequest.Builder req = HttpRequest.newBuilder(url).timeout(readTimeout).GET();
        if (have > 0) req.header("Range", "bytes=" + have + "-");
        HttpResponse<InputStream> resp;
        try {
            resp = http.send(req.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        int status = resp.statusCode();
        boolean resumed = status == 206 && have > 0;
        if (status == 416 && have > 0) { // the part file is already whole
            resp.body().close();
            return;
        }
        if (status != 200 && !resumed) {
            resp.body().close();
            throw new IOException("HTTP " + status + switch (status) {
                case 404 -> " not found";
                case 407 -> " proxy authentication required (the zoo sends no proxy credentials)";
                default -> "";
            });
        }
        long start = resumed ? have : 0;
        Optional<Long> length = resp.headers().firstValueAsLong("Content-Length").stream().boxed().findFirst();
        long total = length.map(l -> l + start).orElse(-1L);
        Progress bar = new Progress(progress, part.getFileName().toString().replace(".part", ""), total, start);
        StandardOpenOption mode = resumed ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING;
        try (InputStream in = resp.body();
             OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE, mode)) {
            byte[] buf = new byte[1 << 16];
            long done = start;
            try {
                for (int n; (n = in.read(buf)) > 0; ) {
                    out.write(buf, 0, n);
                    done += n;
                    bar.update(done);
                }
            } catch (IOException e) {
                throw new IOException("connection lost after " + done + (total >= 0 ? " of " + total : "")
                        + " bytes: " + describe(e) + "; run again to resume", e);
            } finally {
                bar.finish(done);
            }
            if (total >= 0 && done != total) {
                throw new IOException("connection closed after " + done + " of " + total + " bytes; run again to resume");
            }
        }
    }

    private static String describe(IOException e) {
        if (e instanceof HttpConnectTimeoutException) return "connection timed out";
        if (e instanceof HttpTimeoutException) return "no data within the timeout";
        if (e instanceof ConnectException) return "cannot connect";
        String m = e.getMessage();
        // the JDK's words when a proxy answers CONNECT with an error
        if (m != null && m.startsWith("Tunnel failed, got: ")) {
            return "the proxy refused the connection with HTTP " + m.substring("Tunnel failed, got: ".length());
        }
        return m == null ? e.getClass().getSimpleName() : m;
    }

    static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new DownloadException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A one-line progress bar on a terminal stream, redrawn at most every 200 ms. */
    private static final class Progress {
        private final PrintStream out;
        private final String name;
        private final long total;
        private final long startBytes;
        private final long startNanos = System.nanoTime();
        private long lastDraw;

        Progress(PrintStream out, String name, long total, long startBytes) {
            this.out = out;
            this.name = name;
            this.total = total;
            this.startBytes = startBytes;
            if (out != null && startBytes > 0) out.printf("resuming %s at %.1f MB%n", name, startBytes / 1e6);
        }

        void update(long done) {
            long now = System.nanoTime();
            if (out == null || now - lastDraw < 200_000_000L) return;
            lastDraw = now;
            draw(done, now);
        }

        void finish(long done) {
            if (out == null) return;
            draw(done, System.nanoTime());
            out.println();
        }

        private void draw(long done, long now) {
            double seconds = Math.max(1e-3, (now - startNanos) / 1e9);
            double rate = (done - startBytes) / 1e6 / seconds;
            if (total > 0) {
                int width = 30, filled = (int) (width * done / total);
                out.printf(Locale.ROOT, "\r%s [%s%s] %5.1f%% %.1f/%.1f MB %.1f MB/s", name, "#".repeat(filled),
                        " ".repeat(width - filled), 100.0 * done / total, done / 1e6, total / 1e6, rate);
            } else {
                out.printf(Locale.ROOT, "\r%s %.1f MB %.1f MB/s", name, done / 1e6, rate);
            }
            out.flush();
        }
    }
}
