package org.cvtzoo.zoo.vit;

import com.fasterxml.jackson.databind.JsonNode;
import org.cvtzoo.zoo.spec.ModelSpec;
import org.cvtzoo.zoo.spec.SpecException;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * A ViT as timm's {@code VisionTransformer} constructor describes it (the default path: class
 * token, learned absolute position embedding, no layer scale, no register tokens). Spec files
 * are flat JSON with timm's argument names:
 * <pre>{"family": "vit", "patch_size": 16, "embed_dim": 192, "depth": 12, "num_heads": 3,
 *  "mlp_ratio": 4.0, "img_size": 224, "num_classes": 1000, "qkv_bias": true}</pre>
 * {@code patch_size}, {@code embed_dim}, {@code depth} and {@code num_heads} are required;
 * {@code mlp_ratio} defaults to 4.0, {@code img_size} (a number or {@code [h, w]}) to 224,
 * {@code num_classes} to 1000, {@code qkv_bias} to true, {@code drop_path_rate} (stochastic depth
 * in training, timm's linspace(0, rate, depth) over the blocks) to 0. Any other field is an error
 * rather than silently ignored (it would change what the model computes).
 */
public record VitSpec(int patchSize, int embedDim, int depth, int numHeads, double mlpRatio,
                      int imgHeight, int imgWidth, int numClasses, boolean qkvBias, double dropPathRate)
        implements ModelSpec<VitSpec> {

    private static final Set<String> FIELDS = Set.of("family", "patch_size", "embed_dim", "depth", "num_heads",
            "mlp_ratio", "img_size", "num_classes", "qkv_bias", "drop_path_rate");

    /** A square-input spec with qkv bias and no drop path (the registered variants). */
    public static VitSpec of(int patchSize, int embedDim, int depth, int numHeads, int imgSize, int numClasses) {
        VitSpec s = new VitSpec(patchSize, embedDim, depth, numHeads, 4.0, imgSize, imgSize, numClasses, true, 0.0);
        s.validate("ViT spec");
        return s;
    }

    /** Reads a flat JSON/YAML tree; errors name {@code source} and the field. */
    public static VitSpec fromTree(JsonNode tree, String source) {
        List<String> unknown = new ArrayList<>();
        for (Iterator<String> it = tree.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f)) unknown.add(f);
        }
        if (!unknown.isEmpty()) {
            throw new SpecException(source + ": unknown ViT field(s) " + unknown + " (known: family, patch_size, "
                    + "embed_dim, depth, num_heads, mlp_ratio, img_size, num_classes, qkv_bias, drop_path_rate)");
        }
        int patch = integer(tree, "patch_size", null, source);
        int dim = integer(tree, "embed_dim", null, source);
        int depth = integer(tree, "depth", null, source);
        int heads = integer(tree, "num_heads", null, source);
        double mlpRatio = number(tree, "mlp_ratio", 4.0, source);
        double dropPath = number(tree, "drop_path_rate", 0.0, source);
        int classes = integer(tree, "num_classes", 1000, source);
        JsonNode img = tree.path("img_size");
        int ih, iw;
        if (img.isMissingNode() || img.isNull()) {
            ih = iw = 224;
        } else if (img.isArray()) {
            if (img.size() != 2 || !img.get(0).isIntegralNumber() || !img.get(1).isIntegralNumber()) {
                throw new SpecException(source + ": img_size must be an integer or a list [height, width], got " + img);
            }
            ih = img.get(0).asInt();
            iw = img.get(1).asInt();
        } else {
            ih = iw = integer(tree, "img_size", 224, source);
        }
        JsonNode bias = tree.path("qkv_bias");
        if (!bias.isMissingNode() && !bias.isBoolean()) {
            throw new SpecException(source + ": qkv_bias must be true or false, got " + bias);
        }
        VitSpec s = new VitSpec(patch, dim, depth, heads, mlpRatio, ih, iw, classes, bias.isMissingNode() || bias.asBoolean(),
                dropPath);
        s.validate(source);
        return s;
    }

    /** The spec as the flat JSON tree {@link #fromTree} reads. */
    @Override
    public com.fasterxml.jackson.databind.node.ObjectNode toTree() {
        var t = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
        t.put("family", "vit").put("patch_size", patchSize).put("embed_dim", embedDim).put("depth", depth)
                .put("num_heads", numHeads).put("mlp_ratio", mlpRatio).put("num_classes", numClasses).put("qkv_bias", qkvBias)
                .put("drop_path_rate", dropPathRate);
        t.putArray("img_size").add(imgHeight).add(imgWidth);
        return t;
    }

    @Override
    public VitSpec withNumClasses(int n) {
        if (n < 1) throw new SpecException("number of classes must be at least 1, got " + n);
        return new VitSpec(patchSize, embedDim, depth, numHeads, mlpRatio, imgHeight, imgWidth, n, qkvBias, dropPathRate);
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

    private void validate(String source) {
        List<String> bad = new ArrayList<>();
        if (patchSize < 1) bad.add("patch_size must be positive, got " + patchSize);
        if (embedDim < 1) bad.add("embed_dim must be positive, got " + embedDim);
        if (depth < 0) bad.add("depth must not be negative, got " + depth);
        if (numHeads < 1) bad.add("num_heads must be positive, got " + numHeads);
        if (!(mlpRatio > 0) || Double.isInfinite(mlpRatio) || mlpHidden() < 1) {
            bad.add("mlp_ratio must be positive (and give at least one hidden unit), got " + mlpRatio);
        }
        if (numClasses < 1) bad.add("num_classes must be at least 1, got " + numClasses);
        if (!(dropPathRate >= 0 && dropPathRate < 1)) bad.add("drop_path_rate must be in [0, 1), got " + dropPathRate);
        if (embedDim > 0 && numHeads > 0 && embedDim % numHeads != 0) {
            bad.add("embed_dim = " + embedDim + " is not divisible by num_heads = " + numHeads);
        }
        if (patchSize > 0) {
            if (imgHeight < patchSize || imgWidth < patchSize || imgHeight % patchSize != 0 || imgWidth % patchSize != 0) {
                bad.add("img_size " + imgHeight + "x" + imgWidth + " must be a positive multiple of patch_size = " + patchSize);
            }
        }
        if (!bad.isEmpty()) throw new SpecException(source + ": " + String.join("; ", bad));
    }

    private static int integer(JsonNode tree, String field, Integer dflt, String source) {
        JsonNode n = tree.path(field);
        if (n.isMissingNode() || n.isNull()) {
            if (dflt == null) throw new SpecException(source + ": " + field + " is missing");
            return dflt;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw new SpecException(source + ": " + field + " must be an integer, got " + n);
        }
        return n.asInt();
    }

    private static double number(JsonNode tree, String field, double dflt, String source) {
        JsonNode n = tree.path(field);
        if (n.isMissingNode() || n.isNull()) return dflt;
        if (!n.isNumber()) throw new SpecException(source + ": " + field + " must be a number, got " + n);
        return n.asDouble();
    }
}
