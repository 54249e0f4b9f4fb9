package org.cvtzoo.zoo.download;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How a published URL maps onto a mirror or a Hugging Face endpoint (no network). */
class SourcesTest {
    private static final URI HUB = URI.create("https://huggingface.co/microsoft/cvt-13/resolve/main/model.safetensors");
    private static final URI FB = URI.create("https://dl.fbaipublicfiles.com/deit/S60_224_1k.pth");
    private static final UnaryOperator<String> NONE = k -> null;

    private static UnaryOperator<String> of(String key, String value) {
        return Map.of(key, value)::get;
    }

    private static Sources mirror(String base) {
        return Sources.from(of(Sources.MIRROR_PROPERTY, base), NONE);
    }

    private static Sources hf(String endpoint) {
        return Sources.from(NONE, of(Sources.HF_ENDPOINT_ENV, endpoint));
    }

    @Test
    void withoutSettingsEachFileComesFromItsOwnUrl() {
        for (Sources s : new Sources[]{Sources.direct(), Sources.from(NONE, NONE)}) {
            assertEquals(new Sources.Source(HUB, null), s.resolve("cvt-13", "model.safetensors", HUB));
        }
    }

    @Test
    void mirrorServesTheCacheLayout() {
        Sources.Source s = mirror("https://m.example.org/zoo").resolve("cvt-13", "model.safetensors", HUB);
        assertEquals(URI.create("https://m.example.org/zoo/cvt-13/model.safetensors"), s.url());
        assertEquals("cvt.mirror", s.setting());
        assertEquals(URI.create("http://10.0.0.1:8000/patchconvnet-s60/S60_224_1k.pth"),
                mirror("http://10.0.0.1:8000/").resolve("patchconvnet-s60", "S60_224_1k.pth", FB).url());
        assertEquals(URI.create("http://m/a/b/m/f"), mirror("http://m/a/b//").resolve("m", "f", FB).url());
    }

    @Test
    void mirrorQuotesNames() {
        assertEquals("http://m/x%20y/f%23%3F%25.pth", mirror("http://m").resolve("x y", "f#?%.pth", FB).url().toString());
    }

    @Test
    void propertyWinsOverEnvironmentAndBlankIsUnset() {
        Sources s = Sources.from(of(Sources.MIRROR_PROPERTY, "http://p"), of(Sources.MIRROR_ENV, "http://e"));
        assertEquals(URI.create("http://p/m/f"), s.resolve("m", "f", FB).url());
        s = Sources.from(of(Sources.MIRROR_PROPERTY, "  "), of(Sources.MIRROR_ENV, "http://e"));
        assertEquals(new Sources.Source(URI.create("http://e/m/f"), "CVT_MIRROR"), s.resolve("m", "f", FB));
        assertEquals(FB, Sources.from(NONE, of(Sources.MIRROR_ENV, "")).resolve("m", "f", FB).url());
    }

    @Test
    void hfEndpointTakesTheHubsFilesOnly() {
        Sources s = hf("https://hf-mirror.example.com/");
        assertEquals(new Sources.Source(URI.create("https://hf-mirror.example.com/microsoft/cvt-13/resolve/main/model.safetensors"),
                "HF_ENDPOINT"), s.resolve("cvt-13", "model.safetensors", HUB));
        assertEquals(URI.create("http://h:81/hub/a/resolve/main/x%20y.bin?download=true"), hf("http://h:81/hub")
                .resolve("a", "x y.bin", URI.create("https://HuggingFace.co/a/resolve/main/x%20y.bin?download=true")).url());
        assertEquals(new Sources.Source(FB, null), s.resolve("patchconvnet-s60", "S60_224_1k.pth", FB));
        URI cdn = URI.create("https://cdn-lfs.huggingface.co/repos/x");
        assertEquals(cdn, s.resolve("m", "x", cdn).url());
    }

    @Test
    void mirrorWinsOverHfEndpoint() {
        Sources s = Sources.from(of(Sources.MIRROR_PROPERTY, "http://m"), of(Sources.HF_ENDPOINT_ENV, "http://h"));
        assertEquals(new Sources.Source(URI.create("http://m/cvt-13/model.safetensors"), "cvt.mirror"),
                s.resolve("cvt-13", "model.safetensors", HUB));
    }

    @Test
    void aValueThatIsNotAnHttpUrlIsAnError() {
        for (String bad : new String[]{"mirror.corp:8080", "/srv/models", "ftp://m/x", "http://", "http://m/x?y=1", "http://m/ x"}) {
            DownloadException e = assertThrows(DownloadException.class, () -> mirror(bad), bad);
            assertEquals("cvt.mirror is '" + bad + "', not an http:// or https:// base URL (such as https://mirror.example.org/models)",
                    e.getMessage());
        }
        DownloadException e = assertThrows(DownloadException.class, () -> hf("hf-mirror.com"));
        assertTrue(e.getMessage().startsWith("HF_ENDPOINT is 'hf-mirror.com'"), e.getMessage());
    }

    @Test
    void theJvmsPropertyIsRead() {
        String old = System.getProperty(Sources.MIRROR_PROPERTY);
        try {
            System.setProperty(Sources.MIRROR_PROPERTY, "http://127.0.0.1:9/models");
            assertEquals("http://127.0.0.1:9/models/m/f", Sources.fromEnvironment().resolve("m", "f", FB).url().toString());
        } finally {
            if (old == null) System.clearProperty(Sources.MIRROR_PROPERTY);
            else System.setProperty(Sources.MIRROR_PROPERTY, old);
        }
    }
}
