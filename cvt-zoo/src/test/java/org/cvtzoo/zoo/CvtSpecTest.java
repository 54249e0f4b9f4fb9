package org.cvtzoo.zoo;

import org.cvtzoo.zoo.cvt.ConvProjection;
import org.cvtzoo.zoo.cvt.CvT;
import org.cvtzoo.zoo.cvt.CvtSpec;
import org.cvtzoo.zoo.spec.SpecException;
import org.cvtzoo.zoo.spec.SpecFiles;
import org.junit.jupiter.api.Test;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CvtSpecTest {
    static Path spec(String name) throws URISyntaxException {
        return Path.of(CvtSpecTest.class.getResource("/specs/" + name).toURI());
    }

    /** microsoft/CvT's experiment YAML files, as they are in the repository, are specs. */
    @Test
    void officialYamlIsASpecAndMatchesTheRegisteredVariant() throws Exception {
        CvtSpec yaml = read("cvt-13-224x224.yaml");
        CvtSpec registered = ((CvT) Zoo.architecture("cvt-13", null)).spec();
        assertEquals(1000, yaml.numClasses());
        assertEquals(registered, yaml); // the whole value: stages, TEST and INPUT
        assertEquals(List.of(64, 192, 384), yaml.stages().stream().map(CvtSpec.Stage::dimEmbed).toList());
        assertEquals(List.of(1, 2, 10), yaml.stages().stream().map(CvtSpec.Stage::depth).toList());
        assertEquals(List.of(1, 3, 6), yaml.stages().stream().map(CvtSpec.Stage::numHeads).toList());
        assertEquals(List.of(false, false, true), yaml.stages().stream().map(CvtSpec.Stage::clsToken).toList());
        assertEquals(List.of(0.0, 0.0, 0.1), yaml.stages().stream().map(CvtSpec.Stage::dropPathRate).toList());
        assertEquals(ConvProjection.Method.DW_BN, yaml.lastStage().qkvProjMethod());
        assertEquals(((CvT) Zoo.architecture("cvt-w24", null)).spec(), read("cvt-w24-384x384.yaml"));
    }

    static CvtSpec read(String name) throws URISyntaxException {
        return CvtSpec.fromTree(SpecFiles.read(spec(name)), name);
    }

    /** A spec is a value: nothing it hands out can change it, or the registered variant it came from. */
    @Test
    void specsAreImmutable() {
        CvtSpec registered = ((CvT) Zoo.architecture("cvt-13", null)).spec();
        CvtSpec ten = registered.withNumClasses(10);
        assertThrows(UnsupportedOperationException.class, () -> ten.stages().set(0, ten.stages().get(1)));
        assertThrows(UnsupportedOperationException.class, () -> ten.stages().add(ten.lastStage()));
        assertThrows(UnsupportedOperationException.class, () -> ten.test().mean().set(0, 9.0));
        assertEquals(registered, ((CvT) Zoo.architecture("cvt-13", null)).spec());
        assertEquals(registered, ten.withNumClasses(1000));
        assertEquals(10, Zoo.architecture("cvt-13", 10).numClasses());
        assertEquals(1000, Zoo.architecture("cvt-13", null).numClasses());
    }

    @Test
    void registeredVariantsHaveTheOfficialParameterCounts() {
        // counts printed by shared/reference/gen.py for the reference models (meta.json 'params')
        assertEquals(19_997_480L, new VisionModel(Zoo.architecture("cvt-13", null)).parameters().parameterCount());
        assertEquals(31_622_696L, new VisionModel(Zoo.architecture("cvt-21", null)).parameters().parameterCount());
    }

    @Test
    void badSpecsNameTheProblem() {
        String base = "{\"MODEL\": {\"NUM_CLASSES\": 10, \"SPEC\": {\"NUM_STAGES\": 1, \"PATCH_SIZE\": [7], \"PATCH_STRIDE\": [4],"
                + " \"PATCH_PADDING\": [2], \"DIM_EMBED\": [%s], \"NUM_HEADS\": [2], \"DEPTH\": [1], \"MLP_RATIO\": [4.0],"
                + " \"QKV_BIAS\": [true], \"CLS_TOKEN\": [true], \"QKV_PROJ_METHOD\": [\"%s\"], \"KERNEL_QKV\": [3],"
                + " \"PADDING_KV\": [1], \"STRIDE_KV\": [2], \"PADDING_Q\": [1], \"STRIDE_Q\": [1]}}}";
        CvtSpec ok = CvtSpec.fromTree(SpecFiles.parse(String.format(base, "16", "avg"), "ok.json"), "ok.json");
        assertEquals(ConvProjection.Method.AVG, ok.stages().get(0).qkvProjMethod());
        assertMessage(String.format(base, "15", "dw_bn"), "DIM_EMBED[0] = 15 is not divisible by NUM_HEADS[0] = 2");
        assertMessage(String.format(base, "16", "conv"), "unknown QKV_PROJ_METHOD 'conv'");
        assertMessage(String.format(base, "16, 32", "dw_bn"), "DIM_EMBED has 2 entries but NUM_STAGES is 1");
        assertMessage(String.format(base, "\"x\"", "dw_bn"), "DIM_EMBED[0] must be an integer");
        assertMessage("{\"MODEL\": {\"NAME\": \"cls_hrnet\", \"SPEC\": {}}}", "not a CvT");
        assertMessage("{\"NOTHING\": 1}", "no MODEL.SPEC");
    }

    private static void assertMessage(String json, String fragment) {
        SpecException e = assertThrows(SpecException.class, () -> CvtSpec.fromTree(SpecFiles.parse(json, "s.json"), "s.json"));
        assertTrue(e.getMessage().contains(fragment) && e.getMessage().startsWith("s.json"), e.getMessage());
    }
}
