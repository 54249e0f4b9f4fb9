package org.cvtzoo.zoo.download;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

class EnvProxiesTest {
    private static final URI HF = URI.create("https://huggingface.co/microsoft/cvt-13/resolve/main/model.safetensors");

    /** A stand-in for the JVM's selector, so that a test can see which one answered. */
    private static final ProxySelector JVM = new ProxySelector() {
        @Override
        public List<Proxy> select(URI uri) {
            return List.of(Proxy.NO_PROXY);
        }

        @Override
        public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {
        }
    };

    private static ProxySelector selector(Map<String, String> properties, Map<String, String> env) {
        return EnvProxies.from(properties::get, env::get, JVM);
    }

    private static String proxyOf(ProxySelector s, URI uri) {
        Proxy p = s.select(uri).get(0);
        if (p.type() == Proxy.Type.DIRECT) return "direct";
        InetSocketAddress a = (InetSocketAddress) p.address();
        return a.getHostString() + ":" + a.getPort();
    }

    @Test
    void httpsProxyEnvironmentVariablesAreRead() {
        assertEquals("proxy.example:3128", proxyOf(selector(Map.of(), Map.of("HTTPS_PROXY", "http://proxy.example:3128")), HF));
        assertEquals("lower.example:8080", proxyOf(selector(Map.of(),
                Map.of("https_proxy", "lower.example:8080", "HTTPS_PROXY", "upper.example:1")), HF));
        // http URLs read http_proxy, not https_proxy
        assertEquals("direct", proxyOf(selector(Map.of(), Map.of("https_proxy", "p:1")), URI.create("http://example.org/f")));
        assertEquals("p:2", proxyOf(selector(Map.of(), Map.of("http_proxy", "http://p:2/")), URI.create("http://example.org/f")));
        assertEquals("direct", proxyOf(selector(Map.of(), Map.of()), HF));
    }

    @Test
    void noProxyMatchesHostsAndSubdomains() {
        Map<String, String> env = Map.of("https_proxy", "p:1", "no_proxy", "localhost, .huggingface.co");
        assertEquals("direct", proxyOf(selector(Map.of(), env), HF));
        assertEquals("direct", proxyOf(selector(Map.of(), env), URI.create("https://cdn.huggingface.co/x")));
        assertEquals("p:1", proxyOf(selector(Map.of(), env), URI.create("https://nothuggingface.co/x")));
        assertEquals("direct", proxyOf(selector(Map.of(), Map.of("HTTPS_PROXY", "p:1", "NO_PROXY", "*")), HF));
    }

    @Test
    void systemPropertiesWinOverTheEnvironment() {
        assertSame(JVM, selector(Map.of("https.proxyHost", "jvm.example"), Map.of("HTTPS_PROXY", "env.example:1")));
    }
}
