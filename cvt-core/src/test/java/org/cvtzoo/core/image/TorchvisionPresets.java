package org.cvtzoo.core.image;

/**
 * The transforms the fixtures were made with, by the names {@code ../shared/reference/gen.py
 * --preprocess} gives them (its {@code TRANSFORMS} table: bicubic Resize, CenterCrop, ToTensor,
 * Normalize). The families' own evaluation transforms are their specs' (cvt-zoo).
 */
final class TorchvisionPresets {
    private TorchvisionPresets() {
    }

    private static final float[] HALF = {0.5f, 0.5f, 0.5f};

    static EvalTransform named(String name) {
        return switch (name) {
            case "cvt_224", "patchconvnet_224" -> new EvalTransform(EvalTransform.Resize.shorterSide(256), 224,
                    EvalTransform.imagenetMean(), EvalTransform.imagenetStd(), "bicubic");
            case "cvt_384" -> new EvalTransform(EvalTransform.Resize.exact(384, 384), 0,
                    EvalTransform.imagenetMean(), EvalTransform.imagenetStd(), "bicubic");
            case "vit_224" -> new EvalTransform(EvalTransform.Resize.shorterSide(248), 224, HALF, HALF, "bicubic");
            default -> throw new IllegalArgumentException("no fixture transform '" + name + "'");
        };
    }
}
