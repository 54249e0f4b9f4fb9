package org.cvtzoo.core.image;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An evaluation transform as torchvision composes it on PIL images:
 * {@code Resize} (shorter side to an int, or to an exact (height, width)), an optional
 * {@code CenterCrop}, {@code ToTensor}, {@code Normalize(mean, std)}.
 *
 * @param resize        the resize step
 * @param crop          the square center-crop size, or 0 for none
 * @param mean          per-channel mean (R, G, B), as float32
 * @param std           per-channel standard deviation (R, G, B), as float32
 * @param interpolation the resampling filter's name ({@link Interpolation#named})
 */
public record EvalTransform(Resize resize, int crop, float[] mean, float[] std,
                            String interpolation) {

    /**
     * A resize step: {@code Resize(shorter)} when {@code shorter > 0}, else
     * {@code Resize((height, width))}.
     */
    public record Resize(int shorter, int height, int width) {
        public Resize {
            if (shorter > 0 ? height != 0 || width != 0 : height <= 0 || width <= 0) {
                throw new IllegalArgumentException("a resize is either a shorter-side size or "
                        + "a (height, width), got shorter=" + shorter + " height=" + height
                        + " width=" + width);
            }
        }

        /** {@code Resize(size)}: the shorter side to {@code size}. */
        public static Resize shorterSide(int size) {
            return new Resize(size, 0, 0);
        }

        /** {@code Resize((height, width))}. */
        public static Resize exact(int height, int width) {
            return new Resize(0, height, width);
        }

        public boolean isShorterSide() {
            return shorter > 0;
        }

        @Override
        public String toString() {
            return shorter > 0 ? "Resize(" + shorter + ")"
                    : "Resize((" + height + ", " + width + "))";
        }
    }

    /** ImageNet's per-channel mean (R, G, B), as torchvision's examples and timm's IMAGENET_DEFAULT_MEAN. */
    public static float[] imagenetMean() {
        return new float[]{0.485f, 0.456f, 0.406f};
    }

    /** ImageNet's per-channel standard deviation (timm's IMAGENET_DEFAULT_STD). */
    public static float[] imagenetStd() {
        return new float[]{0.229f, 0.224f, 0.225f};
    }

    /**
     * timm's and deit's evaluation: {@code Resize(floor(size / cropPct))} (the shorter side),
     * {@code CenterCrop(size)}. (microsoft/CvT's {@code TEST.CENTER_CROP} is this with 0.875.)
     */
    public static EvalTransform centerCrop(int size, double cropPct, float[] mean, float[] std, String interpolation) {
        if (!(cropPct > 0 && cropPct <= 1)) {
            throw new IllegalArgumentException("crop fraction must be in (0, 1], got " + cropPct);
        }
        return new EvalTransform(Resize.shorterSide((int) Math.floor(size / cropPct)), size, mean, std, interpolation);
    }

    /** {@code Resize((height, width))} and no crop. */
    public static EvalTransform resizeTo(int height, int width, float[] mean, float[] std, String interpolation) {
        return new EvalTransform(Resize.exact(height, width), 0, mean, std, interpolation);
    }

    public EvalTransform {
        if (resize == null) {
            throw new IllegalArgumentException("resize is required");
        }
        if (crop < 0) {
            throw new IllegalArgumentException("crop must be positive or 0 (none), got " + crop);
        }
        if (mean == null || std == null || mean.length != 3 || std.length != 3) {
            throw new IllegalArgumentException("mean and std need 3 values (R, G, B)");
        }
        for (float s : std) {
            if (!(s != 0f) || !Float.isFinite(s)) {
                throw new IllegalArgumentException("std values must be finite and non-zero");
            }
        }
        mean = mean.clone();
        std = std.clone();
        Interpolation.named(interpolation);
    }

    @Override
    public float[] mean() {
        return mean.clone();
    }

    @Override
    public float[] std() {
        return std.clone();
    }

    public boolean hasCrop() {
        return crop > 0;
    }

    /**
     * The size of every image this transform gives, {@code {height, width}}: the crop, or the
     * exact resize; null for a shorter-side resize without a crop (its size follows each image).
     */
    public int[] outputSize() {
        if (crop > 0) return new int[]{crop, crop};
        return resize.isShorterSide() ? null : new int[]{resize.height(), resize.width()};
    }

    /**
     * The range {@code [lo, hi]} of the values it gives: 0..255 pixels through
     * {@code (v / 255 - mean) / std}, over the three channels.
     */
    public double[] valueRange() {
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < 3; c++) {
            double a = (0 - mean[c]) / std[c], b = (1 - mean[c]) / std[c];
            lo = Math.min(lo, Math.min(a, b));
            hi = Math.max(hi, Math.max(a, b));
        }
        return new double[]{lo, hi};
    }

    /** The resampling filter that {@link #interpolation()} names. */
    public Interpolation filter() {
        return Interpolation.named(interpolation);
    }

    /** The resized (and center-cropped) image, before {@code ToTensor} and {@code Normalize}. */
    public RgbImage resizeAndCrop(RgbImage image) {
        int[] hw = resize.isShorterSide() ? Transforms.shorterSideSize(image.height(), image.width(), resize.shorter())
                : new int[] {resize.height(), resize.width()};
        return crop > 0 ? Transforms.resizeAndCenterCrop(image, hw[0], hw[1], crop, crop, filter())
                : Transforms.resize(image, hw[0], hw[1], filter());
    }

    /** The whole transform: a float32 CHW tensor {@code [3, H, W]}. */
    public INDArray apply(RgbImage image) {
        return Images.normalize(resizeAndCrop(image), mean, std);
    }

    /** {@link #apply} on each image, stacked into an NCHW batch (the sizes must agree). */
    public INDArray applyBatch(List<RgbImage> images) {
        List<INDArray> tensors = images.stream().map(this::apply).toList();
        try {
            return Images.stack(tensors);
        } finally {
            // copied into the batch: freed now, as the collector does not see off-heap memory pile up
            // (a Spark executor's resident memory rose by 0.6 MB an image between collections)
            tensors.forEach(INDArray::close);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EvalTransform t && t.resize.equals(resize) && t.crop == crop
                && java.util.Arrays.equals(t.mean, mean) && java.util.Arrays.equals(t.std, std)
                && Interpolation.named(t.interpolation) == Interpolation.named(interpolation);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(resize, crop, java.util.Arrays.hashCode(mean),
                java.util.Arrays.hashCode(std), Interpolation.named(interpolation));
    }

    @Override
    public String toString() {
        return "EvalTransform[" + resize + (crop > 0 ? ", CenterCrop(" + crop + ")" : "")
                + ", mean=" + java.util.Arrays.toString(mean) + ", std="
                + java.util.Arrays.toString(std) + ", " + interpolation + "]";
    }
}
