package org.cvtzoo.zoo.pcn;

import com.fasterxml.jackson.databind.JsonNode;
import org.cvtzoo.zoo.spec.ModelSpec;
import org.cvtzoo.zoo.spec.SpecException;

import java.util.ArrayList;
import java.util.Iterator;
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
 * reduction), {@code in_chans} (3), {@code img_size} (224, the native size).
 */
public record PatchConvNetSpec(int embedDim, int depth, int numHeads, double mlpRatioClstk, double initScale,
                               int numClasses, int imgSize, double dropPathRate) implements ModelSpec<PatchConvNetSpec> {

    static final Set<String> FIELDS = Set.of("family", "embed_dim", "depth", "num_heads", "mlp_ratio_clstk",
            "init_scale", "num_classes", "patch_size", "in_chans", "img_size", "drop_path_rate");

    public PatchConvNetSpec {
        List<String> bad = problems(embedDim, depth, numHeads, mlpRatioClstk, initScale, numClasses, imgSize, dropPathRate);
        if (!bad.isEmpty()) throw new SpecException("PatchConvNet: " + String.join("; ", bad));
    }

    /** A deit variant: 1000 classes, 224x224, one-head class attention with MLP ratio 3, no drop path. */
    public static PatchConvNetSpec variant(int embedDim, int depth, double initScale) {
        return new PatchConvNetSpec(embedDim, depth, 1, 3.0, initScale, 1000, 224, 0.0);
    }

    /** The spec as the flat JSON tree {@link #fromTree} reads. */
    @Override
    public com.fasterxml.jackson.databind.node.ObjectNode toTree() {
        var t = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
        return t.put("family", "patchconvnet").put("embed_dim", embedDim).put("depth", depth).put("num_heads", numHeads)
                .put("mlp_ratio_clstk", mlpRatioClstk).put("init_scale", initScale).put("num_classes", numClasses)
                .put("img_size", imgSize).put("drop_path_rate", dropPathRate);
    }

    @Override
    public PatchConvNetSpec withNumClasses(int n) {
        if (n < 1) throw new SpecException("number of classes must be at least 1, got " + n);
        return new PatchConvNetSpec(embedDim, depth, numHeads, mlpRatioClstk, initScale, n, imgSize, dropPathRate);
    }

    /** Reads a flat JSON spec; {@code numClasses} (when not null) replaces its num_classes. */
    public static PatchConvNetSpec fromTree(JsonNode tree, String source, Integer numClasses) {
        List<String> bad = new ArrayList<>();
        for (Iterator<String> it = tree.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f)) bad.add("unknown field '" + f + "' (known: " + String.join(", ", FIELDS.stream().sorted().toList()) + ")");
        }
        Reader r = new Reader(tree, bad);
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
        if (r.ok("patch_size") && patch != 16) {
            bad.add("patch_size must be 16 (the convolutional stem's four stride-2 convs), got " + patch);
        }
        if (r.ok("in_chans") && inChans != 3) bad.add("in_chans must be 3 (RGB), got " + inChans);
        if (numClasses != null) {
            if (numClasses < 1) throw new SpecException("number of classes must be at least 1, got " + numClasses);
            classes = numClasses;
        }
        for (String p : problems(dim, depth, heads, ratio, init, classes, img, dropPath)) {
            String field = p.substring(0, p.indexOf(' '));
            if (r.ok(field) && (!field.equals("mlp_ratio_clstk") || r.ok("embed_dim"))) bad.add(p);
        }
        if (!bad.isEmpty()) throw new SpecException(source + ": " + String.join("; ", bad));
        return new PatchConvNetSpec(dim, depth, heads, ratio, init, classes, img, dropPath);
    }

    private static List<String> problems(int embedDim, int depth, int numHeads, double mlpRatioClstk,
                                         double initScale, int numClasses, int imgSize, double dropPathRate) {
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
        return bad;
    }

    /** Field readers that collect every problem rather than stopping at the first. */
    private static final class Reader {
        final JsonNode tree;
        final List<String> bad;
        final List<String> failed = new ArrayList<>();

        Reader(JsonNode tree, List<String> bad) {
            this.tree = tree;
            this.bad = bad;
        }

        boolean ok(String field) {
            return !failed.contains(field);
        }

        int integer(String field, Integer dflt) {
            JsonNode n = tree.path(field);
            if (n.isMissingNode() || n.isNull()) {
                if (dflt != null) return dflt;
                return fail(field, field + " is missing", 0);
            }
            boolean integral = n.isIntegralNumber() || (n.isNumber() && n.asDouble() == Math.rint(n.asDouble()));
            if (!integral || !n.canConvertToInt()) return fail(field, field + " must be an integer, got " + n, 0);
            return n.asInt();
        }

        double number(String field, double dflt) {
            JsonNode n = tree.path(field);
            if (n.isMissingNode() || n.isNull()) return dflt;
            if (!n.isNumber()) return fail(field, field + " must be a number, got " + n, 0.0);
            return n.asDouble();
        }

        private <T> T fail(String field, String message, T placeholder) {
            failed.add(field);
            bad.add(message);
            return placeholder;
        }
    }
}
