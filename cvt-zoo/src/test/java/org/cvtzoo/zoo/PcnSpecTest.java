package org.cvtzoo.zoo;

import org.cvtzoo.zoo.pcn.ConvStem;
import org.cvtzoo.core.blocks.SqueezeExcite;
import org.cvtzoo.zoo.pcn.PatchConvNet;
import org.cvtzoo.zoo.pcn.PatchConvNetSpec;
import org.cvtzoo.core.ZooException;
import org.cvtzoo.zoo.spec.SpecException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** PatchConvNet's registered variants and flat JSON spec files. */
class PcnSpecTest {
    @TempDir
    Path tmp;

    Architecture spec(String json) throws IOException {
        Path f = tmp.resolve("pcn.json");
        Files.writeString(f, json);
        return Zoo.architecture(f, null);
    }

    String error(String json) throws IOException {
        Path f = tmp.resolve("bad.json");
        Files.writeString(f, json);
        return assertThrows(SpecException.class, () -> Zoo.architecture(f, null)).getMessage();
    }

    @Test
    void variantsAreDeits() {
        record V(String name, String alias, int dim, int depth, double init) {
        }
        for (V v : new V[]{new V("patchconvnet-s60", "S60", 384, 60, 1e-4), new V("patchconvnet-s120", "s120", 384, 120, 1e-6),
                new V("patchconvnet-b60", "patchconvnet_b60", 768, 60, 1e-6), new V("patchconvnet-b120", "B120", 768, 120, 1e-6),
                new V("patchconvnet-l60", "L60", 1024, 60, 1e-6), new V("patchconvnet-l120", "patchconvnet_l120", 1024, 120, 1e-6)}) {
            Variant zv = Zoo.variant(v.alias());
            assertEquals(v.name(), zv.name());
            assertEquals("patchconvnet", zv.family());
            assertArrayEquals(new int[]{224, 224}, zv.architecture().nativeSize());
            assertEquals(1000, zv.architecture().numClasses());
            PatchConvNet a = (PatchConvNet) Zoo.architecture(v.name(), null);
            assertEquals(v.dim(), a.spec().embedDim());
            assertEquals(v.depth(), a.spec().depth());
            assertEquals(v.init(), a.spec().initScale());
            assertEquals(3.0, a.spec().mlpRatioClstk());
            assertEquals(1, a.spec().numHeads());
            assertEquals(7, Zoo.architecture(v.name(), 7).numClasses());
        }
    }

    @Test
    void fixtureSpecReads() {
        PatchConvNet a = (PatchConvNet) Zoo.architecture(Fixtures.dir("pcn_tiny").resolve("spec.json"), null);
        assertEquals(new PatchConvNetSpec(64, 2, 1, 3.0, 1e-4, 10, 224, 0.0, 0.875), a.spec());
        assertEquals("patchconvnet", a.family());
        assertEquals(5, Zoo.architecture(Fixtures.dir("pcn_tiny").resolve("spec.json"), 5).numClasses());
    }

    @Test
    void defaultsAreDeits() throws IOException {
        PatchConvNet a = (PatchConvNet) spec("{\"family\": \"patchconvnet\", \"embed_dim\": 32, \"depth\": 1}");
        assertEquals(new PatchConvNetSpec(32, 1, 1, 3.0, 1e-4, 1000, 224, 0.0, 0.875), a.spec());
    }

    @Test
    void badValuesNameFileAndField() throws IOException {
        String m = error("{\"family\": \"patchconvnet\", \"depth\": 2}");
        assertTrue(m.startsWith("bad.json:") && m.contains("embed_dim is missing"), m);
        m = error("{\"family\": \"patchconvnet\", \"embed_dim\": \"64\", \"depth\": -1}");
        assertTrue(m.contains("embed_dim must be an integer") && m.contains("depth must not be negative"), m);
        m = error("{\"family\": \"patchconvnet\", \"embed_dim\": 4, \"depth\": 2}");
        assertTrue(m.contains("embed_dim must be at least 8"), m);
        m = error("{\"family\": \"patchconvnet\", \"embed_dim\": 64, \"depth\": 2, \"num_heads\": 2}");
        assertTrue(m.contains("num_heads must be 1"), m);
        m = error("{\"family\": \"patchconvnet\", \"embed_dim\": 64, \"depth\": 2, \"mlp_ratio_clstk\": 0}");
        assertTrue(m.contains("mlp_ratio_clstk must be positive"), m);
        m = error("{\"family\": \"patchconvnet\", \"embed_dim\": 64, \"depth\": 2, \"num_classes\": 0}");
        assertTrue(m.contains("num_classes must be at least 1"), m);
        m = error("{\"family\": \"patchconvnet\", \"embed_dim\": 64, \"depth\": 2, \"init_scale\": \"small\"}");
        assertTrue(m.contains("init_scale must be a number"), m);
        m = error("{\"family\": \"patchconvnet\", \"embed_dim\": 64, \"depth\": 2, \"drop_path_rate\": -0.1}");
        assertTrue(m.contains("drop_path_rate must be in [0, 1)"), m);
        m = error("{\"family\": \"patchconvnet\", \"embed_dim\": 64, \"depth\": 2, \"patch_size\": 8}");
        assertTrue(m.contains("patch_size must be 16"), m);
        m = error("{\"family\": \"patchconvnet\", \"embed_dims\": 64, \"depth\": 2}");
        assertTrue(m.contains("unknown field(s) [embed_dims]"), m);
    }

    @Test
    void nonSquareSizesAreRejectedSquareOnesAccepted() {
        Architecture a = Zoo.architecture("patchconvnet-s60", null);
        ZooException e = assertThrows(ZooException.class, () -> a.checkInputSize(224, 160));
        assertTrue(e.getMessage().contains("square") && e.getMessage().contains("224x160"), e.getMessage());
        a.checkInputSize(224, 224);
        a.checkInputSize(160, 160);
        a.checkInputSize(64, 64);
    }

    @Test
    void stemAndSqueezeExciteSizes() {
        assertEquals(14, ConvStem.gridSide(224));
        assertEquals(10, ConvStem.gridSide(160));
        assertEquals(5, ConvStem.gridSide(72));
        assertEquals(96, SqueezeExcite.reducedChannels(384));
        assertEquals(2, SqueezeExcite.reducedChannels(10)); // Python rounds 2.5 to 2
        assertEquals(2, SqueezeExcite.reducedChannels(6));  // and 1.5 to 2
    }

    /** deit's parameter count for S60 (25.2 M) with 1000 classes. */
    @Test
    void s60ParameterCount() {
        VisionModel m = new VisionModel(Zoo.architecture("patchconvnet-s60", null));
        assertEquals(25_230_000, m.parameters().parameterCount(), 50_000);
    }
}
