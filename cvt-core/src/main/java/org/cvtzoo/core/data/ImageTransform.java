package org.cvtzoo.core.data;

import java.util.Random;
import org.cvtzoo.core.image.EvalTransform;
import org.cvtzoo.core.image.Images;
import org.cvtzoo.core.image.Interpolation;
import org.cvtzoo.core.image.RgbImage;
import org.cvtzoo.core.image.Transforms;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An image to a float32 CHW tensor {@code [3, H, W]}, possibly random (a training
 * augmentation draws from {@code rng}; a deterministic transform ignores it).
 */
@FunctionalInterface
public interface ImageTransform {
    /** The tensor for {@code image}; all randomness comes from {@code rng}. */
    INDArray apply(RgbImage image, Random rng);

    /** An evaluation transform (deterministic). */
    static ImageTransform of(EvalTransform eval) {
        return (image, rng) -> eval.apply(image);
    }

    /**
     * {@code Resize((height, width))} with {@code filter}, {@code ToTensor},
     * {@code Normalize(mean, std)} (deterministic); an image already of that size is only
     * normalised.
     */
    static ImageTransform resize(int height, int width, Interpolation filter, float[] mean,
                                 float[] std) {
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("size must be positive, got " + height + "x"
                    + width);
        }
        float[] m = checked(mean, "mean").clone();
        float[] s = checked(std, "std").clone();
        return (image, rng) -> Images.normalize(
                Transforms.resize(image, height, width, filter), m, s);
    }

    private static float[] checked(float[] v, String name) {
        if (v == null || v.length != 3) {
            throw new IllegalArgumentException(name + " needs 3 values (R, G, B)");
        }
        return v;
    }
}
