package org.cvtzoo.zoo.cvt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.cvtzoo.core.image.EvalTransform;
import org.cvtzoo.zoo.spec.ModelSpec;
import org.cvtzoo.zoo.spec.SpecException;
import org.cvtzoo.zoo.spec.SpecReader;

import java.util.ArrayList;
import java.util.List;

/**
 * A CvT as an official microsoft/CvT experiment YAML describes it: {@code MODEL.NUM_CLASSES}, the
 * stages of {@code MODEL.SPEC} (one list entry per stage there, one {@link Stage} here), and how
 * images are evaluated ({@code TEST} with {@code INPUT.MEAN/STD}). Field names are the official
 * ones, so that the YAML files of microsoft/CvT are specs as they are. An immutable value.
 */
public record CvtSpec(int numClasses, List<Stage> stages, Test test) implements ModelSpec<CvtSpec> {

    /** One stage: its convolutional token embedding, then {@code depth} blocks of convolutional attention. */
    public record Stage(int patchSize, int patchStride, int patchPadding, int dimEmbed, int numHeads, int depth,
                        double mlpRatio, boolean qkvBias, boolean clsToken, ConvProjection.Method qkvProjMethod,
                        int kernelQkv, int paddingKv, int strideKv, int paddingQ, int strideQ,
                        double dropRate, double attnDropRate, double dropPathRate) {
    }

    /**
     * How the official code evaluates ({@code build_transforms}, not training): with
     * {@code TEST.CENTER_CROP}, {@code Resize(int(IMAGE_SIZE[0] / 0.875))} then
     * {@code CenterCrop(IMAGE_SIZE[0])}; without, {@code Resize((IMAGE_SIZE[1], IMAGE_SIZE[0]))}
     * (IMAGE_SIZE is width, height); {@code TEST.INTERPOLATION} as PIL's filter number;
     * normalised with {@code INPUT.MEAN} and {@code INPUT.STD}. The defaults are the official
     * config's: 224x224, centre crop, PIL filter 2 (bilinear), ImageNet mean and std.
     */
    public record Test(int width, int height, boolean centerCrop, int interpolation, List<Double> mean, List<Double> std) {
        public static final Test DEFAULT = new Test(224, 224, true, 2, List.of(0.485, 0.456, 0.406), List.of(0.229, 0.224, 0.225));

        public Test {
            mean = List.copyOf(mean);
            std = List.copyOf(std);
        }

        /** The size the model sees: {height, width}. */
        int[] inputSize() {
            return centerCrop ? new int[]{width, width} : new int[]{height, width};
        }

        EvalTransform eval() {
            String filter = filterName(interpolation);
            return centerCrop ? EvalTransform.centerCrop(width, 0.875, SpecReader.floats(mean), SpecReader.floats(std), filter)
                    : EvalTransform.resizeTo(height, width, SpecReader.floats(mean), SpecReader.floats(std), filter);
        }

        /** PIL's filter numbers, as torchvision's Resize takes them. */
        private static String filterName(int pil) {
            return switch (pil) {
                case 2 -> "bilinear";
                case 3 -> "bicubic";
                case 4 -> "box";
                default -> null;
            };
        }
    }

    public CvtSpec {
        stages = List.copyOf(stages);
    }

    /** {@code MODEL.SPEC}, {@code MODEL.NUM_CLASSES} (default 1000), {@code TEST} and {@code INPUT}, as the official config reads them. */
    public static CvtSpec fromTree(JsonNode root, String source) {
        SpecReader top = new SpecReader(root, source);
        SpecReader model = top.section("MODEL");
        if (!root.path("MODEL").path("SPEC").isObject()) {
            throw new SpecException(source + ": no MODEL.SPEC mapping (expected the structure of microsoft/CvT's experiment YAML)");
        }
        String name = model.text("NAME", "cls_cvt");
        if (!name.equals("cls_cvt")) throw new SpecException(source + ": MODEL.NAME is '" + name + "', not a CvT (cls_cvt)");
        int numClasses = model.integer("NUM_CLASSES", 1000);
        model.check(numClasses >= 1, "NUM_CLASSES", "must be a positive integer, got " + numClasses);
        SpecReader spec = model.section("SPEC"); // other keys are ignored, as the official code ignores them
        int n = spec.integer("NUM_STAGES", null);
        spec.check(n >= 1, "NUM_STAGES", "must be at least 1, got " + n);
        spec.done();
        List<Stage> stages = readStages(spec.listsOf("NUM_STAGES", n), n);
        Test test = readTest(top);
        top.done();
        CvtSpec s = new CvtSpec(numClasses, stages, test);
        s.validate(source);
        return s;
    }

    private static List<Stage> readStages(SpecReader s, int n) {
        List<Integer> patchSize = s.integers("PATCH_SIZE"), patchStride = s.integers("PATCH_STRIDE"),
                patchPadding = s.integers("PATCH_PADDING"), dimEmbed = s.integers("DIM_EMBED"),
                numHeads = s.integers("NUM_HEADS"), depth = s.integers("DEPTH"), kernelQkv = s.integers("KERNEL_QKV"),
                paddingKv = s.integers("PADDING_KV"), strideKv = s.integers("STRIDE_KV"),
                paddingQ = s.integers("PADDING_Q"), strideQ = s.integers("STRIDE_Q");
        List<Double> mlpRatio = s.numbers("MLP_RATIO", null), dropRate = s.numbers("DROP_RATE", 0.0),
                attnDropRate = s.numbers("ATTN_DROP_RATE", 0.0), dropPathRate = s.numbers("DROP_PATH_RATE", 0.0);
        List<Boolean> qkvBias = s.bools("QKV_BIAS", true), clsToken = s.bools("CLS_TOKEN", null);
        List<String> methods = s.texts("QKV_PROJ_METHOD");
        List<ConvProjection.Method> method = new ArrayList<>();
        for (int i = 0; i < methods.size(); i++) {
            try {
                method.add(ConvProjection.Method.parse(methods.get(i)));
            } catch (IllegalArgumentException e) {
                s.problem("QKV_PROJ_METHOD[" + i + "]: " + e.getMessage());
            }
        }
        s.done();
        List<Stage> stages = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            stages.add(new Stage(patchSize.get(i), patchStride.get(i), patchPadding.get(i), dimEmbed.get(i),
                    numHeads.get(i), depth.get(i), mlpRatio.get(i), qkvBias.get(i), clsToken.get(i), method.get(i),
                    kernelQkv.get(i), paddingKv.get(i), strideKv.get(i), paddingQ.get(i), strideQ.get(i),
                    dropRate.get(i), attnDropRate.get(i), dropPathRate.get(i)));
        }
        return stages;
    }

    private static Test readTest(SpecReader root) {
        SpecReader test = root.section("TEST"), input = root.section("INPUT");
        Test d = Test.DEFAULT;
        List<Integer> size = test.integerList("IMAGE_SIZE", List.of(d.width(), d.height()));
        test.check(size.size() == 2 && size.stream().allMatch(v -> v > 0), "IMAGE_SIZE",
                "must be [width, height], two positive integers, got " + size);
        boolean crop = test.bool("CENTER_CROP", d.centerCrop());
        int interpolation = test.integer("INTERPOLATION", d.interpolation());
        test.check(Test.filterName(interpolation) != null, "INTERPOLATION",
                "must be PIL's 2 (bilinear), 3 (bicubic) or 4 (box), got " + interpolation);
        List<Double> mean = input.numberList("MEAN", d.mean()), std = input.numberList("STD", d.std());
        input.check(mean.size() == 3, "MEAN", "must have 3 values (R, G, B), got " + mean);
        input.check(std.size() == 3 && std.stream().allMatch(v -> v != 0), "STD", "must have 3 non-zero values, got " + std);
        if (root.hasProblems()) return d;
        return new Test(size.get(0), size.get(1), crop, interpolation, mean, std);
    }

    private void validate(String source) {
        List<String> bad = new ArrayList<>();
        for (int i = 0; i < stages.size(); i++) {
            Stage s = stages.get(i);
            positive(bad, "PATCH_SIZE", i, s.patchSize());
            positive(bad, "PATCH_STRIDE", i, s.patchStride());
            nonNegative(bad, "PATCH_PADDING", i, s.patchPadding());
            positive(bad, "DIM_EMBED", i, s.dimEmbed());
            positive(bad, "NUM_HEADS", i, s.numHeads());
            nonNegative(bad, "DEPTH", i, s.depth());
            positive(bad, "KERNEL_QKV", i, s.kernelQkv());
            positive(bad, "STRIDE_KV", i, s.strideKv());
            positive(bad, "STRIDE_Q", i, s.strideQ());
            nonNegative(bad, "PADDING_KV", i, s.paddingKv());
            nonNegative(bad, "PADDING_Q", i, s.paddingQ());
            if (!(s.mlpRatio() > 0)) bad.add("MLP_RATIO[" + i + "] must be positive, got " + s.mlpRatio());
            if (s.numHeads() > 0 && s.dimEmbed() % s.numHeads() != 0) {
                bad.add("DIM_EMBED[" + i + "] = " + s.dimEmbed() + " is not divisible by NUM_HEADS[" + i + "] = " + s.numHeads());
            }
            rate(bad, "DROP_RATE", i, s.dropRate());
            rate(bad, "ATTN_DROP_RATE", i, s.attnDropRate());
            rate(bad, "DROP_PATH_RATE", i, s.dropPathRate());
        }
        if (!bad.isEmpty()) throw new SpecException(source + ": " + String.join("; ", bad));
    }

    private static void positive(List<String> bad, String field, int i, int v) {
        if (v < 1) bad.add(field + "[" + i + "] must be positive, got " + v);
    }

    private static void nonNegative(List<String> bad, String field, int i, int v) {
        if (v < 0) bad.add(field + "[" + i + "] must not be negative, got " + v);
    }

    private static void rate(List<String> bad, String field, int i, double v) {
        if (!(v >= 0 && v < 1)) bad.add(field + "[" + i + "] must be in [0, 1), got " + v);
    }

    public Stage lastStage() {
        return stages.get(stages.size() - 1);
    }

    @Override
    public int[] inputSize() {
        return test.inputSize();
    }

    @Override
    public EvalTransform eval() {
        return test.eval();
    }

    @Override
    public CvtSpec withNumClasses(int n) {
        if (n < 1) throw new SpecException("number of classes must be at least 1, got " + n);
        return new CvtSpec(n, stages, test);
    }

    /** The spec in the structure of the official experiment YAML ({@code MODEL}, {@code TEST}, {@code INPUT}). */
    @Override
    public ObjectNode toTree() {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        ObjectNode model = root.putObject("MODEL").put("NAME", "cls_cvt").put("NUM_CLASSES", numClasses);
        ObjectNode s = model.putObject("SPEC").put("NUM_STAGES", stages.size());
        s.set("PATCH_SIZE", json.valueToTree(stages.stream().map(Stage::patchSize).toList()));
        s.set("PATCH_STRIDE", json.valueToTree(stages.stream().map(Stage::patchStride).toList()));
        s.set("PATCH_PADDING", json.valueToTree(stages.stream().map(Stage::patchPadding).toList()));
        s.set("DIM_EMBED", json.valueToTree(stages.stream().map(Stage::dimEmbed).toList()));
        s.set("NUM_HEADS", json.valueToTree(stages.stream().map(Stage::numHeads).toList()));
        s.set("DEPTH", json.valueToTree(stages.stream().map(Stage::depth).toList()));
        s.set("MLP_RATIO", json.valueToTree(stages.stream().map(Stage::mlpRatio).toList()));
        s.set("QKV_BIAS", json.valueToTree(stages.stream().map(Stage::qkvBias).toList()));
        s.set("CLS_TOKEN", json.valueToTree(stages.stream().map(Stage::clsToken).toList()));
        s.set("QKV_PROJ_METHOD", json.valueToTree(stages.stream().map(st -> st.qkvProjMethod().officialName()).toList()));
        s.set("KERNEL_QKV", json.valueToTree(stages.stream().map(Stage::kernelQkv).toList()));
        s.set("PADDING_KV", json.valueToTree(stages.stream().map(Stage::paddingKv).toList()));
        s.set("STRIDE_KV", json.valueToTree(stages.stream().map(Stage::strideKv).toList()));
        s.set("PADDING_Q", json.valueToTree(stages.stream().map(Stage::paddingQ).toList()));
        s.set("STRIDE_Q", json.valueToTree(stages.stream().map(Stage::strideQ).toList()));
        s.set("DROP_RATE", json.valueToTree(stages.stream().map(Stage::dropRate).toList()));
        s.set("ATTN_DROP_RATE", json.valueToTree(stages.stream().map(Stage::attnDropRate).toList()));
        s.set("DROP_PATH_RATE", json.valueToTree(stages.stream().map(Stage::dropPathRate).toList()));
        ObjectNode t = root.putObject("TEST").put("CENTER_CROP", test.centerCrop()).put("INTERPOLATION", test.interpolation());
        t.putArray("IMAGE_SIZE").add(test.width()).add(test.height());
        ObjectNode in = root.putObject("INPUT");
        in.set("MEAN", json.valueToTree(test.mean()));
        in.set("STD", json.valueToTree(test.std()));
        return root;
    }
}
