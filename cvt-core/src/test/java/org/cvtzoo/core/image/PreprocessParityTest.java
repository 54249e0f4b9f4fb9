package org.cvtzoo.core.image;

import static org.cvtzoo.core.Fixtures.IMAGE;
import static org.cvtzoo.core.Fixtures.sha256;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The evaluation transforms against torchvision on PIL (gen.py --preprocess, via
 * make_fixtures.py).
 */
class PreprocessParityTest {

    /**
     * Every element equal to the stored torchvision tensor (where the hashes below only say
     * whether all are, this names the largest difference when one is not).
     */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"rocket.jpg, cvt_224", "horse.png, cvt_384", "chelsea.png, cvt_224",
            "chelsea.png, vit_224", "camera_320.png, patchconvnet_224", "horse.png, cvt_224"})
    void equalsTheStoredTorchvisionTensor(String image, String transform) {
        String stem = image.substring(0, image.lastIndexOf('.'));
        INDArray want = IMAGE.npyGz(stem + "__" + transform + ".npy.gz");
        INDArray got = TorchvisionPresets.named(transform).apply(
                Images.read(IMAGE.path(image)));
        assertArrayEquals(want.shape(), got.shape(), image + " " + transform + " shape");
        INDArray diff = Transforms.abs(got.sub(want));
        double mean = diff.meanNumber().doubleValue();
        double max = diff.maxNumber().doubleValue();
        System.out.printf("parity %-16s %-17s mean |diff| %.2e  max |diff| %.2e%n", image,
                transform, mean, max);
        assertEquals(0.0, max, image + " " + transform + ": max |diff|");
    }

    static Stream<Arguments> hashed() {
        List<Arguments> out = new ArrayList<>();
        IMAGE.json("preprocess.json").fieldNames().forEachRemaining(k -> {
            int slash = k.lastIndexOf('/');
            out.add(Arguments.of(k.substring(0, slash), k.substring(slash + 1)));
        });
        return out.stream();
    }

    /**
     * Bit-exact: the float32 tensor equals torchvision's (SHA-256 of the bytes), for every
     * fixture image and preset (resampling, rounding, crop offsets and float32 normalisation
     * all as Pillow/torch do them; the JPEG decodes byte-exactly too).
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("hashed")
    void bitExactWithTorchvision(String image, String transform) {
        JsonNode want = IMAGE.json("preprocess.json").get(image + "/" + transform);
        INDArray got = TorchvisionPresets.named(transform).apply(
                Images.read(IMAGE.path(image)));
        long[] shape = new long[want.get("shape").size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = want.get("shape").get(i).asLong();
        }
        assertArrayEquals(shape, got.shape(), image + " " + transform + " shape");
        assertEquals(want.get("sha256").asText(), sha256(got),
                image + " " + transform + " float32 bytes");
    }
}
