package org.cvtzoo.zoo.download;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * The proxy for a download: the JVM's proxy properties ({@code -Dhttps.proxyHost}, ...) where
 * any is set, else the environment variables that curl, pip and Hugging Face's clients read:
 * {@code https_proxy} / {@code HTTPS_PROXY} for https URLs, {@code http_proxy} /
 * {@code HTTP_PROXY} for http ones (lower case first), and {@code no_proxy} / {@code NO_PROXY}
 * (comma-separated host names, each matching itself and its sub-domains; {@code *}: none).
 */
final class EnvProxies extends ProxySelector {
    static final List<String> PROPERTIES = List.of("https.proxyHost", "http.proxyHost", "socksProxyHost");

    private final ProxySelector jvm;
    private final UnaryOperator<String> environment;

    private EnvProxies(ProxySelector jvm, UnaryOperator<String> environment) {
        this.jvm = jvm;
        this.environment = environment;
    }

    /** This JVM's: its system properties win over its environment. */
    static ProxySelector fromEnvironment() {
        return from(System::getProperty, System::getenv,
                Objects.requireNonNullElse(ProxySelector.getDefault(), HttpClient.Builder.NO_PROXY));
    }

    /** @param jvm the selector that reads the proxy properties (used when any is set) */
    static ProxySelector from(UnaryOperator<String> properties, UnaryOperator<String> environment, ProxySelector jvm) {
        for (String p : PROPERTIES) {
            String v = properties.apply(p);
            if (v != null && !v.isBlank()) return jvm;
        }
        return new EnvProxies(jvm, environment);
    }

    @Override
    public List<Proxy> select(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        String value = scheme.equals("https") ? either("https_proxy", "HTTPS_PROXY")
                : scheme.equals("http") ? either("http_proxy", "HTTP_PROXY") : null;
        if (value == null || bypassed(uri.getHost())) return List.of(Proxy.NO_PROXY);
        URI proxy = URI.create(value.contains("://") ? value.strip() : "http://" + value.strip());
        if (proxy.getHost() == null) {
            throw new DownloadException("the proxy setting '" + value + "' names no host (expected e.g. http://proxy:3128)");
        }
        int port = proxy.getPort() > 0 ? proxy.getPort() : "https".equalsIgnoreCase(proxy.getScheme()) ? 443 : 80;
        return List.of(new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved(proxy.getHost(), port)));
    }

    private String either(String lower, String upper) {
        String v = environment.apply(lower);
        if (v == null || v.isBlank()) v = environment.apply(upper);
        return v == null || v.isBlank() ? null : v;
    }

    private boolean bypassed(String host) {
        String list = environment.apply("no_proxy");
        if (list == null || list.isBlank()) list = environment.apply("NO_PROXY");
        if (list == null || host == null) return false;
        String h = host.toLowerCase(Locale.ROOT);
        for (String entry : list.split(",")) {
            String e = entry.strip().toLowerCase(Locale.ROOT);
            if (e.startsWith(".")) e = e.substring(1);
            if (e.equals("*")) return true;
            if (!e.isEmpty() && (h.equals(e) || h.endsWith("." + e))) return true;
        }
        return false;
    }

    @Override
    public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {
        jvm.connectFailed(uri, sa, ioe);
    }
}
