package org.cvtzoo.zoo;

import org.cvtzoo.core.ZooException;
import org.cvtzoo.core.image.EvalTransform;
import org.cvtzoo.core.image.Images;
import org.cvtzoo.core.weights.Npy;
import org.cvtzoo.zoo.spec.SpecException;
import org.cvtzoo.zoo.spec.SpecFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Specs carry their input size and their official evaluation: microsoft/CvT's TEST and INPUT
 * sections (as its build_transforms reads them), timm's pretrained-config fields for ViT, deit's
 * for PatchConvNet; a model file keeps them.
 */
class SpecEvaluationTest {
    private static final float[] HALF = {0.5f, 0.5f, 0.5f};

    @TempDir
    Path tmp;

    /** cvt-13-384x384.yaml (TEST.IMAGE_SIZE [384, 384], CENTER_CROP False, INTERPOLATION 3): 384x384, no crop. */
    @Test
    void official384YamlPreprocessesAPhotographAsTheOfficialEvaluation() throws Exception {
        Architecture a = Zoo.architecture(CvtSpecTest.spec("cvt-13-384x384.yaml"), null);
        assertArrayEquals(new int[]{384, 384}, a.nativeSize());
        assertEquals(EvalTransform.resizeTo(384, 384, EvalTransform.imagenetMean(), EvalTransform.imagenetStd(), "bicubic"),
                a.eval());
        INDArray got = new VisionModel(a).preprocess(List.of(Images.read(image("horse.png"))));
        INDArray torchvision = npyGz(image("horse__cvt_384.npy.gz"));
        assertArrayEquals(new long[]{1, 3, 384, 384}, got.shape());
        // bit for bit as torchvision on PIL (INDArray.equals would allow 1e-5)
        assertEquals(0.0, got.sub(torchvision.reshape(1, 3, 384, 384)).norm1Number().doubleValue());
    }

    @Test
    void official224YamlCropsAsTheOfficialEvaluation() throws Exception {
        Architecture a = Zoo.architecture(CvtSpecTest.spec("cvt-13-224x224.yaml"), null);
        assertArrayEquals(new int[]{224, 224}, a.nativeSize());
        EvalTransform e = a.eval();
        assertEquals(EvalTransform.Resize.shorterSide(256), e.resize()); // int(224 / 0.875)
        assertEquals(224, e.crop());
        assertEquals("bicubic", e.interpolation());
        assertEquals(a.eval(), Zoo.architecture("cvt-13", null).eval());
        assertEquals(EvalTransform.resizeTo(384, 384, EvalTransform.imagenetMean(), EvalTransform.imagenetStd(), "bicubic"),
                Zoo.architecture("cvt-w24", null).eval());
    }

    /** Without TEST / INPUT the official config's defaults apply: 224, centre crop, PIL filter 2 (bilinear). */
    @Test
    void cvtSpecWithoutTestSectionGetsTheOfficialDefaults() {
        Architecture a = Zoo.architecture(Fixtures.dir("cvt_tiny").resolve("spec.json"), null);
        assertEquals(EvalTransform.centerCrop(224, 0.875, EvalTransform.imagenetMean(), EvalTransform.imagenetStd(),
                "bilinear"), a.eval());
    }

    /** IMAGE_SIZE is [width, height]: Resize((IMAGE_SIZE[1], IMAGE_SIZE[0])). */
    @Test
    void cvtTestSectionIsWidthThenHeight() {
        Architecture a = Zoo.architecture(cvtTinyWith("\"TEST\": {\"IMAGE_SIZE\": [96, 80], \"CENTER_CROP\": false,"
                + " \"INTERPOLATION\": 2}, \"INPUT\": {\"MEAN\": [0.5, 0.5, 0.5], \"STD\": [0.5, 0.5, 0.5]}"), "s.json", null);
        assertArrayEquals(new int[]{80, 96}, a.nativeSize());
        assertEquals(EvalTransform.resizeTo(80, 96, HALF, HALF, "bilinear"), a.eval());
        SpecException e = assertThrows(SpecException.class, () -> Zoo.architecture(
                cvtTinyWith("\"TEST\": {\"IMAGE_SIZE\": [96], \"INTERPOLATION\": 0}"), "s.json", null));
        assertTrue(e.getMessage().contains("TEST.IMAGE_SIZE must be [width, height]")
                && e.getMessage().contains("TEST.INTERPOLATION must be PIL's 2"), e.getMessage());
    }

    /** timm's ViT default: mean/std 0.5 (not ImageNet's), crop_pct 0.9, bicubic; and its fields when given. */
    @Test
    void vitSpecCarriesTimmsEvaluation() {
        String base = "{\"family\": \"vit\", \"patch_size\": 16, \"embed_dim\": 32, \"depth\": 1, \"num_heads\": 2";
        Architecture a = Zoo.architecture(SpecFiles.parse(base + "}", "v.json"), "v.json", null);
        assertEquals(new EvalTransform(EvalTransform.Resize.shorterSide(248), 224, HALF, HALF, "bicubic"), a.eval());
        assertEquals(a.eval(), Zoo.architecture("vit-s16", null).eval());
        Architecture b = Zoo.architecture(SpecFiles.parse(base + ", \"img_size\": 384, \"crop_pct\": 1.0,"
                + " \"mean\": [0.485, 0.456, 0.406], \"std\": [0.229, 0.224, 0.225], \"interpolation\": \"bilinear\"}", "v.json"),
                "v.json", null);
        assertArrayEquals(new int[]{384, 384}, b.nativeSize());
        assertEquals(new EvalTransform(EvalTransform.Resize.shorterSide(384), 384, EvalTransform.imagenetMean(),
                EvalTransform.imagenetStd(), "bilinear"), b.eval());
    }

    /** timm evaluates a non-square img_size with its own ResizeKeepRatio, which is not implemented: unknown, said so. */
    @Test
    void nonSquareVitHasNoKnownEvaluation() {
        Architecture a = Zoo.architecture(SpecFiles.parse("{\"family\": \"vit\", \"patch_size\": 16, \"embed_dim\": 32,"
                + " \"depth\": 1, \"num_heads\": 2, \"img_size\": [32, 64]}", "v.json"), "v.json", null);
        assertNull(a.eval());
        VisionModel m = new VisionModel(a);
        ZooException e = assertThrows(ZooException.class, () -> m.preprocess(List.of(Images.read(image("horse.png")))));
        assertTrue(e.getMessage().contains("32x64") && e.getMessage().contains("withEval"), e.getMessage());
    }

    /** deit's evaluation: Resize(int(img_size / eval_crop_ratio)) bicubic, CenterCrop(img_size), ImageNet mean/std. */
    @Test
    void patchConvNetSpecCarriesDeitsEvaluation() {
        String base = "{\"family\": \"patchconvnet\", \"embed_dim\": 16, \"depth\": 1";
        Architecture a = Zoo.architecture(SpecFiles.parse(base + "}", "p.json"), "p.json", null);
        EvalTransform deit = new EvalTransform(EvalTransform.Resize.shorterSide(256), 224, EvalTransform.imagenetMean(),
                EvalTransform.imagenetStd(), "bicubic");
        assertEquals(deit, a.eval());
        assertEquals(deit, Zoo.architecture("patchconvnet-s60", null).eval());
        Architecture b = Zoo.architecture(SpecFiles.parse(base + ", \"img_size\": 160, \"eval_crop_ratio\": 1.0}", "p.json"),
                "p.json", null);
        assertEquals(EvalTransform.Resize.shorterSide(160), b.eval().resize());
        assertEquals(160, b.eval().crop());
    }

    /** A model file keeps the spec's input size and evaluation. */
    @Test
    void modelFileKeepsSizeAndEvaluation() {
        Architecture a = Zoo.architecture(cvtTinyWith("\"TEST\": {\"IMAGE_SIZE\": [96, 80], \"CENTER_CROP\": false,"
                + " \"INTERPOLATION\": 3}"), "s.json", null);
        Path file = tmp.resolve("m.safetensors");
        ModelFile.save(new VisionModel(a), file);
        VisionModel back = ModelFile.load(file);
        assertArrayEquals(new int[]{80, 96}, back.architecture().nativeSize());
        assertEquals(a.eval(), back.eval());
        assertEquals(a.specTree(), back.architecture().specTree());
    }

    private static com.fasterxml.jackson.databind.JsonNode cvtTinyWith(String sections) {
        String spec = SpecFiles.read(Fixtures.dir("cvt_tiny").resolve("spec.json")).toString();
        return SpecFiles.parse(spec.substring(0, spec.lastIndexOf('}')) + ", " + sections + "}", "s.json");
    }

    static Path image(String name) {
        try {
            return Path.of(SpecEvaluationTest.class.getResource("/images/" + name).toURI());
        } catch (Exception e) {
            throw new IllegalStateException("missing test image " + name, e);
        }
    }

    private static INDArray npyGz(Path file) throws IOException {
        Path plain = Files.createTempFile("fixture", ".npy");
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
            Files.copy(in, plain, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return Npy.read(plain);
        } finally {
            Files.delete(plain);
        }
    }
}
