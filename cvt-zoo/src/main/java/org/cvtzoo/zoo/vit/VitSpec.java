package org.cvtzoo.zoo.vit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.cvtzoo.core.image.EvalTransform;
import org.cvtzoo.core.image.Interpolation;
import org.cvtzoo.zoo.spec.ModelSpec;
import org.cvtzoo.zoo.spec.SpecException;
import org.cvtzoo.zoo.spec.SpecReader;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A ViT as timm's {@code VisionTransformer} constructor describes it (the default path: class
 * token, learned absolute position embedding, no layer scale, no register tokens), with the
 * evaluation fields of timm's pretrained config. Spec files are flat JSON with timm's names:
 * <pre>{"family": "vit", "patch_size": 16, "embed_dim": 192, "depth": 12, "num_heads": 3,
 *  "mlp_ratio": 4.0, "img_size": 224, "num_classes": 1000, "qkv_bias": true,
 *  "mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5], "crop_pct": 0.9, "interpolation": "bicubic"}</pre>
 * {@code patch_size}, {@code embed_dim}, {@code depth} and {@code num_heads} are required;
 * {@code mlp_ratio} defaults to 4.0, {@code img_size} (a number or {@code [h, w]}) to 224,
 * {@code num_classes} to 1000, {@code qkv_bias} to true, {@code drop_path_rate} (stochastic depth
 * in training, timm's linspace(0, rate, depth) over the blocks) to 0; {@code mean}, {@code std},
 * {@code crop_pct} and {@code interpolation} to timm's ViT defaults (0.5, 0.5, 0.9, bicubic).
 * Any other field is an error rather than silently ignored (it would change what the model
 * computes).
 */
public record VitSpec(int patchSize, int embedDim, int depth, int numHeads, double mlpRatio,
                      int imgHeight, int imgWidth, int numClasses, boolean qkvBias, double dropPathRate,
                      Eval evaluation) implements ModelSpec<VitSpec> {

    /** timm's pretrained-config evaluation fields: {@code mean}, {@code std}, {@code crop_pct}, {@code interpolation}. */
    public record Eval(List<Double> mean, List<Double> std, double cropPct, String interpolation) {
        /** timm's ViT default (vision_transformer.py {@code _cfg}): Inception mean/std 0.5, crop 0.9, bicubic. */
        public static final Eval TIMM_DEFAULT = new Eval(List.of(0.5, 0.5, 0.5), List.of(0.5, 0.5, 0.5), 0.9, "bicubic");

        public Eval {
            mean = List.copyOf(mean);
            std = List.copyOf(std);
        }
    }

    private static final Set<String> FIELDS = Set.of("family", "patch_size", "embed_dim", "depth", "num_heads",
            "mlp_ratio", "img_size", "num_classes", "qkv_bias", "drop_path_rate", "mean", "std", "crop_pct",
            "interpolation");

    public VitSpec {
        List<String> bad = problems(patchSize, embedDim, depth, numHeads, mlpRatio, imgHeight, imgWidth, numClasses,
                dropPathRate);
        if (!bad.isEmpty()) throw new SpecException("ViT: " + String.join("; ", bad));
    }

    /** A square-input spec with qkv bias, no drop path and timm's default evaluation (the registered variants). */
    public static VitSpec of(int patchSize, int embedDim, int depth, int numHeads, int imgSize, int numClasses) {
        return new VitSpec(patchSize, embedDim, depth, numHeads, 4.0, imgSize, imgSize, numClasses, true, 0.0, Eval.TIMM_DEFAULT);
    }

    /** Reads a flat JSON/YAML tree; errors name {@code source} and the field. */
    public static VitSpec fromTree(JsonNode tree, String source) {
        SpecReader r = new SpecReader(tree, source).onlyKnown(FIELDS);
        int patch = r.integer("patch_size", null);
        int dim = r.integer("embed_dim", null);
        int depth = r.integer("depth", null);
        int heads = r.integer("num_heads", null);
        double mlpRatio = r.number("mlp_ratio", 4.0);
        double dropPath = r.number("drop_path_rate", 0.0);
        int classes = r.integer("num_classes", 1000);
        boolean bias = r.bool("qkv_bias", true);
        int ih, iw;
        if (tree.path("img_size").isArray()) {
            List<Integer> hw = r.integerList("img_size", null);
            r.check(hw.size() == 2, "img_size", "must be an integer or a list [height, width], got " + hw);
            ih = hw.size() == 2 ? hw.get(0) : 0;
            iw = hw.size() == 2 ? hw.get(1) : 0;
        } else {
            ih = iw = r.integer("img_size", 224);
        }
        Eval d = Eval.TIMM_DEFAULT;
        List<Double> mean = r.numberList("mean", d.mean()), std = r.numberList("std", d.std());
        r.check(mean.size() == 3, "mean", "must have 3 values (R, G, B), got " + mean);
        r.check(std.size() == 3 && !std.contains(0.0), "std", "must have 3 non-zero values, got " + std);
        double cropPct = r.number("crop_pct", d.cropPct());
        r.check(cropPct > 0 && cropPct <= 1, "crop_pct", "must be in (0, 1], got " + cropPct);
        String interpolation = r.text("interpolation", d.interpolation());
        r.check(knownFilter(interpolation), "interpolation", "must be bicubic, bilinear or box, got '" + interpolation + "'");
        if (!r.hasProblems()) {
            for (String p : problems(patch, dim, depth, heads, mlpRatio, ih, iw, classes, dropPath)) r.problem(p);
        }
        r.done();
        return new VitSpec(patch, dim, depth, heads, mlpRatio, ih, iw, classes, bias, dropPath,
                new Eval(mean, std, cropPct, interpolation));
    }

    private static boolean knownFilter(String name) {
        try {
            Interpolation.named(name);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The spec as the flat JSON tree {@link #fromTree} reads. */
    @Override
    public ObjectNode toTree() {
        ObjectMapper json = new ObjectMapper();
        ObjectNode t = json.createObjectNode();
        t.put("family", "vit").put("patch_size", patchSize).put("embed_dim", embedDim).put("depth", depth)
                .put("num_heads", numHeads).put("mlp_ratio", mlpRatio).put("num_classes", numClasses).put("qkv_bias", qkvBias)
                .put("drop_path_rate", dropPathRate);
        t.putArray("img_size").add(imgHeight).add(imgWidth);
        t.set("mean", json.valueToTree(evaluation.mean()));
        t.set("std", json.valueToTree(evaluation.std()));
        t.put("crop_pct", evaluation.cropPct()).put("interpolation", evaluation.interpolation());
        return t;
    }

    @Override
    public VitSpec withNumClasses(int n) {
        if (n < 1) throw new SpecException("number of classes must be at least 1, got " + n);
        return new VitSpec(patchSize, embedDim, depth, numHeads, mlpRatio, imgHeight, imgWidth, n, qkvBias, dropPathRate,
                evaluation);
    }

    @Override
    public int[] inputSize() {
        return new int[]{imgHeight, imgWidth};
    }

    /**
     * timm's evaluation ({@code transforms_imagenet_eval}, centre-crop mode): the shorter side to
     * {@code floor(img_size / crop_pct)}, centre crop to {@code img_size}. Unknown (null) for a
     * non-square img_size, where timm resizes with its own ResizeKeepRatio, which is not
     * implemented here.
     */
    @Override
    public EvalTransform eval() {
        if (imgHeight != imgWidth) return null;
        return EvalTransform.centerCrop(imgHeight, evaluation.cropPct(), SpecReader.floats(evaluation.mean()),
                SpecReader.floats(evaluation.std()), evaluation.interpolation());
    }

    /** The position embedding's grid: {@code img_size / patch_size} along each axis. */
    public int gridHeight() {
        return imgHeight / patchSize;
    }

    public int gridWidth() {
        return imgWidth / patchSize;
    }

    public long mlpHidden() {
        return (long) (embedDim * mlpRatio); // Python's int(dim * mlp_ratio)
    }

    private static List<String> problems(int patchSize, int embedDim, int depth, int numHeads, double mlpRatio,
                                         int imgHeight, int imgWidth, int numClasses, double dropPathRate) {
        List<String> bad = new ArrayList<>();
        if (patchSize < 1) bad.add("patch_size must be positive, got " + patchSize);
        if (embedDim < 1) bad.add("embed_dim must be positive, got " + embedDim);
        if (depth < 0) bad.add("depth must not be negative, got " + depth);
        if (numHeads < 1) bad.add("num_heads must be positive, got " + numHeads);
        if (!(mlpRatio > 0) || Double.isInfinite(mlpRatio) || (long) (embedDim * mlpRatio) < 1) {
            bad.add("mlp_ratio must be positive (and give at least one hidden unit), got " + mlpRatio);
        }
        if (numClasses < 1) bad.add("num_classes must be at least 1, got " + numClasses);
        if (!(dropPathRate >= 0 && dropPathRate < 1)) bad.add("drop_path_rate must be in [0, 1), got " + dropPathRate);
        if (embedDim > 0 && numHeads > 0 && embedDim % numHeads != 0) {
            bad.add("embed_dim = " + embedDim + " is not divisible by num_heads = " + numHeads);
        }
        if (patchSize > 0 && (imgHeight < patchSize || imgWidth < patchSize || imgHeight % patchSize != 0
                || imgWidth % patchSize != 0)) {
            bad.add("img_size " + imgHeight + "x" + imgWidth + " must be a positive multiple of patch_size = " + patchSize);
        }
        return bad;
    }
}
