package org.cvtzoo.zoo.spec;

import com.fasterxml.jackson.databind.JsonNode;
import org.cvtzoo.core.blocks.ConvProjection;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A CvT as the official experiment YAML's {@code MODEL.SPEC} describes it, one list entry per
 * stage, plus {@code MODEL.NUM_CLASSES}. Field names are the official ones so that the YAML
 * files of microsoft/CvT are specs as they are.
 */
public record CvtSpec(int numClasses, int numStages, int[] patchSize, int[] patchStride, int[] patchPadding,
                      int[] dimEmbed, int[] numHeads, int[] depth, double[] mlpRatio, boolean[] qkvBias,
                      boolean[] clsToken, ConvProjection.Method[] qkvProjMethod, int[] kernelQkv,
                      int[] paddingKv, int[] strideKv, int[] paddingQ, int[] strideQ,
                      double[] dropRate, double[] attnDropRate, double[] dropPathRate) implements ModelSpec<CvtSpec> {

    /** Reads an official experiment YAML or JSON of the same structure. */
    public static CvtSpec read(Path path) {
        return fromTree(SpecFiles.read(path), path.getFileName().toString());
    }

    /** {@code MODEL.SPEC} and {@code MODEL.NUM_CLASSES} (default 1000, as the official config). */
    public static CvtSpec fromTree(JsonNode root, String source) {
        JsonNode model = root.path("MODEL");
        JsonNode spec = model.path("SPEC");
        if (!spec.isObject()) {
            throw new SpecException(source + ": no MODEL.SPEC mapping (expected the structure of microsoft/CvT's experiment YAML)");
        }
        String name = model.path("NAME").asText("cls_cvt");
        if (!name.equals("cls_cvt")) {
            throw new SpecException(source + ": MODEL.NAME is '" + name + "', not a CvT (cls_cvt)");
        }
        Fields f = new Fields(spec, source);
        int stages = f.integer("NUM_STAGES");
        if (stages < 1) throw new SpecException(source + ": NUM_STAGES must be at least 1, got " + stages);
        f.stages = stages;
        JsonNode nc = model.path("NUM_CLASSES");
        int numClasses = nc.isMissingNode() ? 1000 : nc.asInt(-1);
        if (!nc.isMissingNode() && (!nc.canConvertToInt() || numClasses < 1)) {
            throw new SpecException(source + ": MODEL.NUM_CLASSES must be a positive integer, got " + nc);
        }
        String[] methods = f.strings("QKV_PROJ_METHOD");
        ConvProjection.Method[] parsed = new ConvProjection.Method[stages];
        for (int i = 0; i < stages; i++) {
            try {
                parsed[i] = ConvProjection.Method.parse(methods[i]);
            } catch (IllegalArgumentException e) {
                throw new SpecException(source + ": QKV_PROJ_METHOD[" + i + "]: " + e.getMessage());
            }
        }
        CvtSpec s = new CvtSpec(numClasses, stages, f.ints("PATCH_SIZE"), f.ints("PATCH_STRIDE"),
                f.ints("PATCH_PADDING"), f.ints("DIM_EMBED"), f.ints("NUM_HEADS"), f.ints("DEPTH"),
                f.doubles("MLP_RATIO", null), f.bools("QKV_BIAS", true), f.bools("CLS_TOKEN", null), parsed,
                f.ints("KERNEL_QKV"), f.ints("PADDING_KV"), f.ints("STRIDE_KV"), f.ints("PADDING_Q"),
                f.ints("STRIDE_Q"), f.doubles("DROP_RATE", 0.0), f.doubles("ATTN_DROP_RATE", 0.0),
                f.doubles("DROP_PATH_RATE", 0.0));
        s.validate(source);
        return s;
    }

    /** The spec in the structure of the official experiment YAML ({@code MODEL.NUM_CLASSES}, {@code MODEL.SPEC}). */
    @Override
    public com.fasterxml.jackson.databind.node.ObjectNode toTree() {
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        var root = mapper.createObjectNode();
        var model = root.putObject("MODEL").put("NAME", "cls_cvt").put("NUM_CLASSES", numClasses);
        var s = model.putObject("SPEC").put("NUM_STAGES", numStages);
        s.set("PATCH_SIZE", mapper.valueToTree(patchSize));
        s.set("PATCH_STRIDE", mapper.valueToTree(patchStride));
        s.set("PATCH_PADDING", mapper.valueToTree(patchPadding));
        s.set("DIM_EMBED", mapper.valueToTree(dimEmbed));
        s.set("NUM_HEADS", mapper.valueToTree(numHeads));
        s.set("DEPTH", mapper.valueToTree(depth));
        s.set("MLP_RATIO", mapper.valueToTree(mlpRatio));
        s.set("QKV_BIAS", mapper.valueToTree(qkvBias));
        s.set("CLS_TOKEN", mapper.valueToTree(clsToken));
        var methods = s.putArray("QKV_PROJ_METHOD");
        for (ConvProjection.Method m : qkvProjMethod) methods.add(m.officialName());
        s.set("KERNEL_QKV", mapper.valueToTree(kernelQkv));
        s.set("PADDING_KV", mapper.valueToTree(paddingKv));
        s.set("STRIDE_KV", mapper.valueToTree(strideKv));
        s.set("PADDING_Q", mapper.valueToTree(paddingQ));
        s.set("STRIDE_Q", mapper.valueToTree(strideQ));
        s.set("DROP_RATE", mapper.valueToTree(dropRate));
        s.set("ATTN_DROP_RATE", mapper.valueToTree(attnDropRate));
        s.set("DROP_PATH_RATE", mapper.valueToTree(dropPathRate));
        return root;
    }

    @Override
    public CvtSpec withNumClasses(int n) {
        if (n < 1) throw new SpecException("number of classes must be at least 1, got " + n);
        return new CvtSpec(n, numStages, patchSize, patchStride, patchPadding, dimEmbed, numHeads, depth, mlpRatio,
                qkvBias, clsToken, qkvProjMethod, kernelQkv, paddingKv, strideKv, paddingQ, strideQ, dropRate,
                attnDropRate, dropPathRate);
    }

    private void validate(String source) {
        List<String> bad = new ArrayList<>();
        for (int i = 0; i < numStages; i++) {
            positive(bad, "PATCH_SIZE", i, patchSize[i]);
            positive(bad, "PATCH_STRIDE", i, patchStride[i]);
            nonNegative(bad, "PATCH_PADDING", i, patchPadding[i]);
            positive(bad, "DIM_EMBED", i, dimEmbed[i]);
            positive(bad, "NUM_HEADS", i, numHeads[i]);
            nonNegative(bad, "DEPTH", i, depth[i]);
            positive(bad, "KERNEL_QKV", i, kernelQkv[i]);
            positive(bad, "STRIDE_KV", i, strideKv[i]);
            positive(bad, "STRIDE_Q", i, strideQ[i]);
            nonNegative(bad, "PADDING_KV", i, paddingKv[i]);
            nonNegative(bad, "PADDING_Q", i, paddingQ[i]);
            if (!(mlpRatio[i] > 0)) bad.add("MLP_RATIO[" + i + "] must be positive, got " + mlpRatio[i]);
            if (numHeads[i] > 0 && dimEmbed[i] % numHeads[i] != 0) {
                bad.add("DIM_EMBED[" + i + "] = " + dimEmbed[i] + " is not divisible by NUM_HEADS[" + i + "] = " + numHeads[i]);
            }
        }
        if (!bad.isEmpty()) throw new SpecException(source + ": " + String.join("; ", bad));
    }

    private static void positive(List<String> bad, String field, int i, int v) {
        if (v < 1) bad.add(field + "[" + i + "] must be positive, got " + v);
    }

    private static void nonNegative(List<String> bad, String field, int i, int v) {
        if (v < 0) bad.add(field + "[" + i + "] must not be negative, got " + v);
    }

    public boolean lastStageHasClsToken() {
        return clsToken[numStages - 1];
    }

    /** Reads per-stage lists of MODEL.SPEC, each of NUM_STAGES entries. */
    private static final class Fields {
        final JsonNode spec;
        final String source;
        int stages = -1;

        Fields(JsonNode spec, String source) {
            this.spec = spec;
            this.source = source;
        }

        int integer(String name) {
            JsonNode n = spec.path(name);
            if (!n.canConvertToInt() || !n.isIntegralNumber()) {
                throw new SpecException(source + ": MODEL.SPEC." + name + (n.isMissingNode() ? " is missing" : " must be an integer, got " + n));
            }
            return n.asInt();
        }

        private JsonNode list(String name, boolean required) {
            JsonNode n = spec.path(name);
            if (n.isMissingNode() || n.isNull()) {
                if (required) throw new SpecException(source + ": MODEL.SPEC." + name + " is missing");
                return null;
            }
            if (!n.isArray()) throw new SpecException(source + ": MODEL.SPEC." + name + " must be a list, got " + n);
            if (n.size() != stages) {
                throw new SpecException(source + ": MODEL.SPEC." + name + " has " + n.size() + " entries but NUM_STAGES is " + stages);
            }
            return n;
        }

        int[] ints(String name) {
            JsonNode n = list(name, true);
            int[] out = new int[stages];
            for (int i = 0; i < stages; i++) {
                JsonNode e = n.get(i);
                if (!e.isIntegralNumber()) throw new SpecException(source + ": MODEL.SPEC." + name + "[" + i + "] must be an integer, got " + e);
                out[i] = e.asInt();
            }
            return out;
        }

        double[] doubles(String name, Double dflt) {
            JsonNode n = list(name, dflt == null);
            double[] out = new double[stages];
            for (int i = 0; i < stages; i++) {
                if (n == null) {
                    out[i] = dflt;
                    continue;
                }
                JsonNode e = n.get(i);
                if (!e.isNumber()) throw new SpecException(source + ": MODEL.SPEC." + name + "[" + i + "] must be a number, got " + e);
                out[i] = e.asDouble();
            }
            return out;
        }

        boolean[] bools(String name, Boolean dflt) {
            JsonNode n = list(name, dflt == null);
            boolean[] out = new boolean[stages];
            for (int i = 0; i < stages; i++) {
                if (n == null) {
                    out[i] = dflt;
                    continue;
                }
                JsonNode e = n.get(i);
                if (!e.isBoolean()) throw new SpecException(source + ": MODEL.SPEC." + name + "[" + i + "] must be true or false, got " + e);
                out[i] = e.asBoolean();
            }
            return out;
        }

        String[] strings(String name) {
            JsonNode n = list(name, true);
            String[] out = new String[stages];
            for (int i = 0; i < stages; i++) {
                JsonNode e = n.get(i);
                if (!e.isTextual()) throw new SpecException(source + ": MODEL.SPEC." + name + "[" + i + "] must be a string, got " + e);
                out[i] = e.asText();
            }
            return out;
        }
    }
}
