package org.cvtzoo.zoo.pcn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.cvtzoo.core.image.EvalTransform;
import org.cvtzoo.zoo.spec.ModelSpec;
import org.cvtzoo.zoo.spec.SpecException;
import org.cvtzoo.zoo.spec.SpecReader;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A PatchConvNet as deit's constructor arguments describe it, read from a flat JSON
 * ({@code "family": "patchconvnet"}) with deit's names: {@code embed_dim}, {@code depth}
 * (required), {@code num_heads} (1: deit's class attention in every variant has one head),
 * {@code mlp_ratio_clstk} (3.0), {@code init_scale} (1e-4, deit's default; it only sets the
 * layer-scale of fresh models), {@code num_classes} (1000), {@code drop_path_rate} (0: stochastic
 * depth in training, the same rate on every trunk block as deit's default {@code dpr_constant},
 * none on the class-attention block), and optionally {@code patch_size} (16, the stem's only
 * reduction), {@code in_chans} (3), {@code img_size} (224, the native size), and
 * {@code eval_crop_ratio} (0.875: deit's evaluation resizes the shorter side to
 * {@code int(img_size / eval_crop_ratio)}, bicubic, then centre-crops {@code img_size}, with
 * ImageNet's mean and std), and {@code multiclass} (false: deit's {@code PatchConvnet(multiclass=True)},
 * as its {@code S60_multi}: one class token per class, {@code cls_token [1, k, d]}, and one
 * {@code Linear(d, 1)} head per class, {@code head.i}; deit builds its multi class-attention layer
 * without the class count, so there it works at 1000 classes only: here at any), and
 * {@code multiclass_attend_own_token} (false; not deit's: with {@code multiclass}, each class token's
 * keys and values are [its own class token, the patches] rather than deit's patches alone, which is
 * exactly the one-token layer's computation once per class, so that a converted one-token model
 * keeps its logits; {@link PerClassTokens} sets it).
 */
public record PatchConvNetSpec(int embedDim, int depth, int numHeads, double mlpRatioClstk, double initScale,
                               int numClasses, int imgSize, double dropPathRate, double evalCropRatio, boolean multiclass,
                               boolean attendOwnToken)
        implements ModelSpec<PatchConvNetSpec> {

    static final Set<String> FIELDS = Set.of("family", "embed_dim", "depth", "num_heads", "mlp_ratio_clstk",
            "init_scale", "num_classes", "patch_size", "in_chans", "img_size", "drop_path_rate", "eval_crop_ratio",
            "multiclass", "multiclass_attend_own_token");
    /** deit's {@code --eval-crop-ratio} default. */
    static final double EVAL_CROP_RATIO = 0.875;

    public PatchConvNetSpec {
        List<String> bad = problems(embedDim, depth, numHeads, mlpRatioClstk, initScale, numClasses, imgSize, dropPathRate,
                evalCropRatio, multiclass, attendOwnToken);
        if (!bad.isEmpty()) throw new SpecException("PatchConvNet: " + String.join("; ", bad));
    }

    /** A single-token spec (deit's default {@code multiclass=False}). */
    public PatchConvNetSpec(int embedDim, int depth, int numHeads, double mlpRatioClstk, double initScale,
                            int numClasses, int imgSize, double dropPathRate, double evalCropRatio) {
        this(embedDim, depth, numHeads, mlpRatioClstk, initScale, numClasses, imgSize, dropPathRate, evalCropRatio, false, false);
    }

    /** This spec with one class token per class as deit defines it (true) or one class token (false). */
    public PatchConvNetSpec withMulticlass(boolean perClass) {
        return new PatchConvNetSpec(embedDim, depth, numHeads, mlpRatioClstk, initScale, numClasses, imgSize, dropPathRate,
                evalCropRatio, perClass, false);
    }

    /**
     * This spec with one class token per class whose keys and values are its own token and the
     * patches ({@code multiclass_attend_own_token}: the one-token computation per class, not deit's).
     */
    public PatchConvNetSpec withMulticlassAttendingOwnToken() {
        return new PatchConvNetSpec(embedDim, depth, numHeads, mlpRatioClstk, initScale, numClasses, imgSize, dropPathRate,
                evalCropRatio, true, true);
    }

    /** A deit variant: 1000 classes, 224x224, one-head class attention with MLP ratio 3, no drop path. */
    public static PatchConvNetSpec variant(int embedDim, int depth, double initScale) {
        return new PatchConvNetSpec(embedDim, depth, 1, 3.0, initScale, 1000, 224, 0.0, EVAL_CROP_RATIO);
    }

    /** The spec as the flat JSON tree {@link #fromTree} reads. */
    @Override
    public ObjectNode toTree() {
        var t = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
        t.put("family", "patchconvnet").put("embed_dim", embedDim).put("depth", depth).put("num_heads", numHeads)
                .put("mlp_ratio_clstk", mlpRatioClstk).put("init_scale", initScale).put("num_classes", numClasses)
                .put("img_size", imgSize).put("drop_path_rate", dropPathRate).put("eval_crop_ratio", evalCropRatio);
        if (multiclass) t.put("multiclass", true); // absent: deit's default, as single-token model files always had it
        if (attendOwnToken) t.put("multiclass_attend_own_token", true); // absent: deit's keys (older files)
        return t;
    }

    @Override
    public int[] inputSize() {
        return new int[]{imgSize, imgSize};
    }

    /** deit's evaluation ({@code datasets.build_transform}, not training). */
    @Override
    public EvalTransform eval() {
        return EvalTransform.centerCrop(imgSize, evalCropRatio, EvalTransform.imagenetMean(), EvalTransform.imagenetStd(),
                "bicubic");
    }

    @Override
    public PatchConvNetSpec withNumClasses(int n) {
        if (n < 1) throw new SpecException("number of classes must be at least 1, got " + n);
        return new PatchConvNetSpec(embedDim, depth, numHeads, mlpRatioClstk, initScale, n, imgSize, dropPathRate, evalCropRatio,
                multiclass, attendOwnToken);
    }

    /** Reads a flat JSON spec; errors name {@code source} and the field. */
    public static PatchConvNetSpec fromTree(JsonNode tree, String source) {
        SpecReader r = new SpecReader(tree, source).onlyKnown(FIELDS);
        int dim = r.integer("embed_dim", null);
        int depth = r.integer("depth", null);
        int heads = r.integer("num_heads", 1);
        double ratio = r.number("mlp_ratio_clstk", 3.0);
        double init = r.number("init_scale", 1e-4);
        int classes = r.integer("num_classes", 1000);
        int patch = r.integer("patch_size", 16);
        int inChans = r.integer("in_chans", 3);
        int img = r.integer("img_size", 224);
        double dropPath = r.number("drop_path_rate", 0.0);
        double cropRatio = r.number("eval_crop_ratio", EVAL_CROP_RATIO);
        boolean multiclass = r.bool("multiclass", false);
        boolean attendOwnToken = r.bool("multiclass_attend_own_token", false);
        r.check(patch == 16, "patch_size", "must be 16 (the convolutional stem's four stride-2 convs), got " + patch);
        r.check(inChans == 3, "in_chans", "must be 3 (RGB), got " + inChans);
        for (String p : problems(dim, depth, heads, ratio, init, classes, img, dropPath, cropRatio, multiclass, attendOwnToken)) {
            String field = p.substring(0, p.indexOf(' '));
            // a value that could not be read is reported once; mlp_ratio_clstk's check needs embed_dim
            if (r.ok(field) && (!field.equals("mlp_ratio_clstk") || r.ok("embed_dim"))) r.problem(p);
        }
        r.done();
        return new PatchConvNetSpec(dim, depth, heads, ratio, init, classes, img, dropPath, cropRatio, multiclass, attendOwnToken);
    }

    private static List<String> problems(int embedDim, int depth, int numHeads, double mlpRatioClstk, double initScale,
                                         int numClasses, int imgSize, double dropPathRate, double evalCropRatio,
                                         boolean multiclass, boolean attendOwnToken) {
        List<String> bad = new ArrayList<>();
        if (embedDim < 8) bad.add("embed_dim must be at least 8 (the stem's first conv has embed_dim / 8 channels), got " + embedDim);
        if (depth < 0) bad.add("depth must not be negative, got " + depth);
        if (numHeads != 1) bad.add("num_heads must be 1 (deit's PatchConvNet class attention has one head), got " + numHeads);
        if (!(mlpRatioClstk > 0) || Double.isInfinite(mlpRatioClstk) || (long) (embedDim * mlpRatioClstk) < 1) {
            bad.add("mlp_ratio_clstk must be positive (and leave at least one hidden unit), got " + mlpRatioClstk);
        }
        if (!Double.isFinite(initScale)) bad.add("init_scale must be a finite number, got " + initScale);
        if (numClasses < 1) bad.add("num_classes must be at least 1, got " + numClasses);
        if (imgSize < 1) bad.add("img_size must be positive, got " + imgSize);
        if (!(dropPathRate >= 0 && dropPathRate < 1)) bad.add("drop_path_rate must be in [0, 1), got " + dropPathRate);
        if (!(evalCropRatio > 0 && evalCropRatio <= 1)) bad.add("eval_crop_ratio must be in (0, 1], got " + evalCropRatio);
        if (attendOwnToken && !multiclass) {
            bad.add("multiclass_attend_own_token needs multiclass true (the one-token layer always attends to its class token)");
        }
        return bad;
    }
}
