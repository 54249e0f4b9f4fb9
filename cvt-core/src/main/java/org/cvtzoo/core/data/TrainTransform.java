package org.cvtzoo.core.data;

import java.util.Random;
import org.cvtzoo.core.image.Images;
import org.cvtzoo.core.image.Interpolation;
import org.cvtzoo.core.image.Resampler;
import org.cvtzoo.core.image.RgbImage;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The usual training augmentation, as torchvision composes it on PIL images:
 * {@code RandomResizedCrop((height, width), scale, ratio, interpolation)},
 * {@code RandomHorizontalFlip(flipProbability)}, {@code ToTensor},
 * {@code Normalize(mean, std)}, with every random draw taken from the {@link Random} passed to
 * {@link #apply} (the same seed gives the same output).
 *
 * <p>The crop is sampled with torchvision's algorithm ({@code RandomResizedCrop.get_params}):
 * up to 10 attempts, each drawing a target area {@code A * U(scaleMin, scaleMax)} ({@code A}
 * the image's area) and an aspect ratio {@code exp(U(log ratioMin, log ratioMax))}, giving
 * {@code w = round(sqrt(area * ratio))}, {@code h = round(sqrt(area / ratio))} (round half to
 * even, as Python's); the first attempt with {@code 0 < w <= W} and {@code 0 < h <= H} is placed
 * at a uniform top {@code 0..H-h} and left {@code 0..W-w}. If all 10 fail, the fallback is a
 * centre crop: of the whole image when its aspect ratio lies in the range, else of the widest
 * (or tallest) box at the range's nearer limit. The crop is then resized with Pillow-exact
 * resampling ({@link Resampler}), as {@code F.resized_crop} does on a PIL image. The random
 * streams differ from torch's, so the boxes drawn are not torch's; given a box, the pixels are.
 *
 * @param height          output height
 * @param width           output width
 * @param scaleMin        smallest crop area as a fraction of the image's (torchvision: 0.08)
 * @param scaleMax        largest crop area fraction (torchvision: 1.0)
 * @param ratioMin        smallest crop aspect ratio width / height (torchvision: 3/4)
 * @param ratioMax        largest crop aspect ratio (torchvision: 4/3)
 * @param flipProbability probability of a horizontal flip (torchvision: 0.5)
 * @param mean            per-channel mean (R, G, B)
 * @param std             per-channel standard deviation (R, G, B)
 * @param interpolation   the resampling filter of the crop's resize (torchvision's default is
 *                        bilinear; timm and the CvT recipes use bicubic)
 */
public record TrainTransform(int height, int width, double scaleMin, double scaleMax,
                             double ratioMin, double ratioMax, double flipProbability,
                             float[] mean, float[] std, Interpolation interpolation)
        implements ImageTransform {

    /** torchvision's default scale range. */
    public static final double SCALE_MIN = 0.08;
    /** torchvision's default scale range. */
    public static final double SCALE_MAX = 1.0;
    /** torchvision's default ratio range: 3/4. */
    public static final double RATIO_MIN = 3.0 / 4.0;
    /** torchvision's default ratio range: 4/3. */
    public static final double RATIO_MAX = 4.0 / 3.0;

    private static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
    private static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

    /** The number of area/ratio draws before the centre-crop fallback. */
    public static final int ATTEMPTS = 10;

    public TrainTransform {
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("output size must be positive, got " + height
                    + "x" + width);
        }
        if (!(scaleMin > 0) || !(scaleMin <= scaleMax) || !Double.isFinite(scaleMax)) {
            throw new IllegalArgumentException("scale range must satisfy 0 < min <= max, got ("
                    + scaleMin + ", " + scaleMax + ")");
        }
        if (!(ratioMin > 0) || !(ratioMin <= ratioMax) || !Double.isFinite(ratioMax)) {
            throw new IllegalArgumentException("ratio range must satisfy 0 < min <= max, got ("
                    + ratioMin + ", " + ratioMax + ")");
        }
        if (!(flipProbability >= 0 && flipProbability <= 1)) {
            throw new IllegalArgumentException("flip probability must be in [0, 1], got "
                    + flipProbability);
        }
        if (mean == null || std == null || mean.length != 3 || std.length != 3) {
            throw new IllegalArgumentException("mean and std need 3 values (R, G, B)");
        }
        for (float s : std) {
            if (!(s != 0f) || !Float.isFinite(s)) {
                throw new IllegalArgumentException("std values must be finite and non-zero");
            }
        }
        if (interpolation == null) {
            throw new IllegalArgumentException("interpolation is required");
        }
        mean = mean.clone();
        std = std.clone();
    }

    /**
     * torchvision's defaults ({@code scale=(0.08, 1.0)}, {@code ratio=(3/4, 4/3)}, flip 0.5) at
     * {@code size x size}, with {@code mean}, {@code std} and bicubic resizing.
     */
    public static TrainTransform of(int size, float[] mean, float[] std) {
        return new TrainTransform(size, size, SCALE_MIN, SCALE_MAX, RATIO_MIN, RATIO_MAX, 0.5,
                mean, std, Interpolation.BICUBIC);
    }

    /** {@link #of} with ImageNet's mean and std (those of the CvT recipes). */
    public static TrainTransform imagenet(int size) {
        return of(size, IMAGENET_MEAN, IMAGENET_STD);
    }

    /** This transform with another scale range. */
    public TrainTransform withScale(double min, double max) {
        return new TrainTransform(height, width, min, max, ratioMin, ratioMax, flipProbability,
                mean, std, interpolation);
    }

    /** This transform with another flip probability. */
    public TrainTransform withFlip(double probability) {
        return new TrainTransform(height, width, scaleMin, scaleMax, ratioMin, ratioMax,
                probability, mean, std, interpolation);
    }

    @Override
    public float[] mean() {
        return mean.clone();
    }

    @Override
    public float[] std() {
        return std.clone();
    }

    /**
     * Draws a crop box for an image of {@code imageHeight x imageWidth} (see the class
     * comment): per attempt two {@code nextDouble()}s, and on success two {@code nextInt}s.
     */
    public CropBox sampleCrop(int imageHeight, int imageWidth, Random rng) {
        if (imageHeight <= 0 || imageWidth <= 0) {
            throw new IllegalArgumentException("image size must be positive, got "
                    + imageHeight + "x" + imageWidth);
        }
        double area = (double) imageHeight * imageWidth;
        double logMin = Math.log(ratioMin);
        double logMax = Math.log(ratioMax);
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            double targetArea = area * uniform(rng, scaleMin, scaleMax);
            double aspect = Math.exp(uniform(rng, logMin, logMax));
            long w = Math.round(Math.rint(Math.sqrt(targetArea * aspect)));
            long h = Math.round(Math.rint(Math.sqrt(targetArea / aspect)));
            if (0 < w && w <= imageWidth && 0 < h && h <= imageHeight) {
                int top = rng.nextInt(imageHeight - (int) h + 1);
                int left = rng.nextInt(imageWidth - (int) w + 1);
                return new CropBox(top, left, (int) h, (int) w);
            }
        }
        return fallbackCrop(imageHeight, imageWidth);
    }

    /**
     * torchvision's fallback box after 10 failed attempts: a centre crop, of the whole image
     * if its aspect ratio {@code W / H} lies in {@code [ratioMin, ratioMax]}; for a taller
     * image the full width and {@code h = round(W / ratioMin)}; for a wider one the full height
     * and {@code w = round(H * ratioMax)}; top {@code (H - h) // 2}, left {@code (W - w) // 2}.
     */
    public CropBox fallbackCrop(int imageHeight, int imageWidth) {
        double inRatio = (double) imageWidth / (double) imageHeight;
        int w;
        int h;
        if (inRatio < ratioMin) {
            w = imageWidth;
            h = (int) Math.rint(w / ratioMin);
        } else if (inRatio > ratioMax) {
            h = imageHeight;
            w = (int) Math.rint(h * ratioMax);
        } else {
            w = imageWidth;
            h = imageHeight;
        }
        // rounding can exceed the image by one pixel only for degenerate ranges; stay inside
        h = Math.max(1, Math.min(h, imageHeight));
        w = Math.max(1, Math.min(w, imageWidth));
        return new CropBox((imageHeight - h) / 2, (imageWidth - w) / 2, h, w);
    }

    private static double uniform(Random rng, double lo, double hi) {
        return lo + (hi - lo) * rng.nextDouble();
    }

    /**
     * torchvision's {@code F.resized_crop(img, top, left, h, w, [height, width])} on a PIL
     * image: the box cropped (parts outside the image black) and resized with this transform's
     * filter.
     */
    public RgbImage resizedCrop(RgbImage image, CropBox box) {
        RgbImage crop = image.crop(box.left(), box.top(), box.width(), box.height());
        return Resampler.resize(crop, height, width, interpolation);
    }

    /** The image mirrored left to right ({@code F.hflip}). */
    public static RgbImage hflip(RgbImage image) {
        int w = image.width();
        int h = image.height();
        byte[] src = image.toBytes();
        byte[] out = new byte[src.length];
        for (int y = 0; y < h; y++) {
            int row = y * w * 3;
            for (int x = 0; x < w; x++) {
                int s = row + x * 3;
                int d = row + (w - 1 - x) * 3;
                out[d] = src[s];
                out[d + 1] = src[s + 1];
                out[d + 2] = src[s + 2];
            }
        }
        return RgbImage.of(w, h, out);
    }

    /**
     * The augmented image before {@code ToTensor}: a random resized crop, then a flip with
     * probability {@link #flipProbability()} (one {@code nextDouble()}, flipping when it is
     * below the probability, as torchvision's {@code torch.rand(1) < p}).
     */
    public RgbImage augment(RgbImage image, Random rng) {
        CropBox box = sampleCrop(image.height(), image.width(), rng);
        RgbImage out = resizedCrop(image, box);
        if (rng.nextDouble() < flipProbability) {
            out = hflip(out);
        }
        return out;
    }

    /** The whole transform: a float32 CHW tensor {@code [3, height, width]}. */
    @Override
    public INDArray apply(RgbImage image, Random rng) {
        return Images.normalize(augment(image, rng), mean, std);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TrainTransform t && t.height == height && t.width == width
                && Double.compare(t.scaleMin, scaleMin) == 0
                && Double.compare(t.scaleMax, scaleMax) == 0
                && Double.compare(t.ratioMin, ratioMin) == 0
                && Double.compare(t.ratioMax, ratioMax) == 0
                && Double.compare(t.flipProbability, flipProbability) == 0
                && java.util.Arrays.equals(t.mean, mean) && java.util.Arrays.equals(t.std, std)
                && t.interpolation == interpolation;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(height, width, scaleMin, scaleMax, ratioMin, ratioMax,
                flipProbability, java.util.Arrays.hashCode(mean), java.util.Arrays.hashCode(std),
                interpolation);
    }

    @Override
    public String toString() {
        return "TrainTransform[RandomResizedCrop((" + height + ", " + width + "), scale=("
                + scaleMin + ", " + scaleMax + "), ratio=(" + ratioMin + ", " + ratioMax + "), "
                + interpolation.name().toLowerCase(java.util.Locale.ROOT)
                + "), RandomHorizontalFlip(" + flipProbability + "), mean="
                + java.util.Arrays.toString(mean) + ", std=" + java.util.Arrays.toString(std)
                + "]";
    }
}
