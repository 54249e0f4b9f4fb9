package org.cvtzoo.zoo;

import org.cvtzoo.core.ZooException;
import org.cvtzoo.zoo.spec.SpecException;
import org.cvtzoo.zoo.spec.SpecFiles;
import org.cvtzoo.zoo.vit.ViT;
import org.cvtzoo.zoo.vit.VitFamily;
import org.cvtzoo.zoo.vit.VitSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ViT registered variants and flat JSON specs. */
class VitSpecTest {

    @ParameterizedTest
    @CsvSource({"vit-ti16,vit_tiny_patch16_224,16,192,12,3", "vit-s16,vit_small_patch16_224,16,384,12,6",
            "vit-s32,vit_small_patch32_224,32,384,12,6", "vit-b16,vit_base_patch16_224,16,768,12,12",
            "vit-b32,vit_base_patch32_224,32,768,12,12", "vit-l16,vit_large_patch16_224,16,1024,24,16",
            "vit-l32,vit_large_patch32_224,32,1024,24,16"})
    void registeredVariantsHaveTimmShapesAndNames(String name, String timm, int patch, int dim, int depth, int heads) {
        Variant v = Zoo.variant(timm);
        assertEquals(name, v.name());
        assertEquals("vit", v.family());
        assertEquals(1000, v.architecture().numClasses());
        assertArrayEquals(new int[]{224, 224}, v.architecture().nativeSize());
        VitSpec s = ((ViT) Zoo.architecture(name, null)).spec();
        assertEquals(new VitSpec(patch, dim, depth, heads, 4.0, 224, 224, 1000, true, 0.0, VitSpec.Eval.TIMM_DEFAULT), s);
        assertEquals(7, ((ViT) Zoo.architecture(name.toUpperCase(), 7)).numClasses());
    }

    /** timm's parameter count of vit_tiny_patch16_224: 5,717,416. */
    @Test
    void parameterCountMatchesTimm() {
        assertEquals(5_717_416L, Zoo.load("vit_tiny_patch16_224").parameters().parameterCount());
    }

    @Test
    void tinySpecIsRead() {
        ViT a = (ViT) Zoo.architecture(Fixtures.dir("vit_tiny").resolve("spec.json"), null);
        assertEquals(new VitSpec(16, 64, 2, 2, 4.0, 64, 64, 10, true, 0.0, VitSpec.Eval.TIMM_DEFAULT), a.spec());
        assertEquals(3, Zoo.architecture(Fixtures.dir("vit_tiny").resolve("spec.json"), 3).numClasses());
    }

    @Test
    void optionalFieldsHaveTimmDefaults() {
        VitSpec s = VitSpec.fromTree(SpecFiles.parse("{\"family\":\"vit\",\"patch_size\":14,\"embed_dim\":48,"
                + "\"depth\":1,\"num_heads\":3,\"img_size\":[28,42],\"qkv_bias\":false}", "s.json"), "s.json");
        assertEquals(new VitSpec(14, 48, 1, 3, 4.0, 28, 42, 1000, false, 0.0, VitSpec.Eval.TIMM_DEFAULT), s);
        assertEquals(2, s.gridHeight());
        assertEquals(3, s.gridWidth());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "\"embed_dim\":64,\"depth\":2,\"num_heads\":2|patch_size is missing",
            "\"patch_size\":16,\"embed_dim\":64,\"depth\":2,\"num_heads\":3|not divisible by num_heads",
            "\"patch_size\":16,\"embed_dim\":64.5,\"depth\":2,\"num_heads\":2|embed_dim must be an integer",
            "\"patch_size\":0,\"embed_dim\":64,\"depth\":2,\"num_heads\":2|patch_size must be positive",
            "\"patch_size\":16,\"embed_dim\":64,\"depth\":2,\"num_heads\":2,\"img_size\":70|img_size 70x70",
            "\"patch_size\":16,\"embed_dim\":64,\"depth\":2,\"num_heads\":2,\"mlp_ratio\":\"4\"|mlp_ratio must be a number",
            "\"patch_size\":16,\"embed_dim\":64,\"depth\":2,\"num_heads\":2,\"num_classes\":0|num_classes must be at least 1",
            "\"patch_size\":16,\"embed_dim\":64,\"depth\":2,\"num_heads\":2,\"global_pool\":\"avg\"|unknown field(s) [global_pool]",
            "\"patch_size\":16,\"embed_dim\":64,\"depth\":2,\"num_heads\":2,\"qkv_bias\":1|qkv_bias must be true or false",
            "\"patch_size\":16,\"embed_dim\":64,\"depth\":2,\"num_heads\":2,\"drop_path_rate\":1|drop_path_rate must be in [0, 1)"})
    void badSpecsNameFileAndField(String fields, String expected) throws IOException {
        Path file = Files.createTempFile("bad-vit", ".json");
        try {
            Files.writeString(file, "{\"family\": \"vit\", " + fields + "}");
            SpecException e = assertThrows(SpecException.class, () -> Zoo.architecture(file, null));
            assertTrue(e.getMessage().startsWith(file.getFileName().toString() + ": "), e.getMessage());
            assertTrue(e.getMessage().contains(expected), e.getMessage());
        } finally {
            Files.delete(file);
        }
    }

    @Test
    void inputSizeChecks() {
        ViT a = (ViT) Zoo.architecture("vit-b32", null);
        a.checkInputSize(224, 160);
        a.checkInputSize(32, 32);
        ZooException e = assertThrows(ZooException.class, () -> a.checkInputSize(224, 100));
        assertTrue(e.getMessage().contains("224x100") && e.getMessage().contains("multiples of the patch size 32")
                && e.getMessage().contains("224x96 or 224x128"), e.getMessage());
        e = assertThrows(ZooException.class, () -> a.checkInputSize(16, 64));
        assertTrue(e.getMessage().contains("too small"), e.getMessage());
        assertEquals(7, new VitFamily().variants().size());
    }
}
