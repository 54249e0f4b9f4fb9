package org.cvtzoo.zoo;

import com.fasterxml.jackson.databind.JsonNode;
import org.cvtzoo.zoo.cvt.CvT;
import org.cvtzoo.zoo.download.WeightsCache;
import org.cvtzoo.zoo.pcn.PatchConvNetFamily;
import org.cvtzoo.zoo.vit.VitFamily;
import org.cvtzoo.zoo.spec.CvtSpec;
import org.cvtzoo.zoo.spec.SpecException;
import org.cvtzoo.zoo.spec.SpecFiles;

import org.cvtzoo.core.image.EvalTransform;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.function.IntFunction;

/** The registered variants by name, and custom models from spec files. */
public final class Zoo {
    private Zoo() {
    }

    /**
     * One registered variant: its name, aliases, how to make its architecture for n classes, and
     * what is published about it ({@link Card}).
     */
    public record Variant(String name, String family, List<String> aliases, int[] nativeSize,
                          int defaultClasses, IntFunction<Architecture> factory, Card card) {
        /** A variant about which nothing is published (yet). */
        public Variant(String name, String family, List<String> aliases, int[] nativeSize,
                       int defaultClasses, IntFunction<Architecture> factory) {
            this(name, family, aliases, nativeSize, defaultClasses, factory, Card.UNKNOWN);
        }

        public Variant withCard(Card c) {
            return new Variant(name, family, aliases, nativeSize, defaultClasses, factory, c);
        }

        /** The published evaluation preprocessing, or null where none is known. */
        public EvalTransform eval() {
            return card.eval();
        }

        /** A model of this variant: its architecture with n classes (null: the variant's own), its evaluation transform. */
        VisionModel model(Integer numClasses, java.nio.file.Path weights) {
            Architecture a = factory.apply(numClasses == null ? defaultClasses : numClasses);
            VisionModel m = weights == null ? new VisionModel(a) : VisionModel.fromCheckpoint(a, weights);
            return card.eval() == null ? m : m.withEval(card.eval());
        }
    }

    private static final Map<String, Card> CARDS = Card.builtIn();

    private static final Map<String, Variant> VARIANTS = new LinkedHashMap<>();
    private static final Map<String, String> ALIASES = new LinkedHashMap<>();

    static {
        cvt("cvt-13", 224, List.of("cvt13", "microsoft/cvt-13"));
        cvt("cvt-21", 224, List.of("cvt21", "microsoft/cvt-21"));
        cvt("cvt-w24", 384, List.of("cvtw24", "microsoft/cvt-w24-384-22k"));
        VitFamily.variants().forEach(Zoo::register);
        PatchConvNetFamily.variants().forEach(Zoo::register);
        for (VariantProvider p : ServiceLoader.load(VariantProvider.class)) p.variants().forEach(Zoo::register);
    }

    private static void cvt(String name, int size, List<String> aliases) {
        CvtSpec spec = CvtSpec.fromTree(SpecFiles.readResource(CvT.class, name + ".yaml"), name + ".yaml");
        register(new Variant(name, "cvt", aliases, new int[]{size, size}, spec.numClasses(),
                n -> new CvT(name, spec.withNumClasses(n), new int[]{size, size})));
    }

    /** Adds a variant (or replaces one of the same name); its aliases find it too. */
    public static synchronized void register(Variant v) {
        if (v.card() == Card.UNKNOWN && CARDS.containsKey(v.name())) v = v.withCard(CARDS.get(v.name()));
        VARIANTS.put(v.name(), v);
        for (String a : v.aliases()) ALIASES.put(a.toLowerCase(Locale.ROOT), v.name());
    }

    public static synchronized List<Variant> variants() {
        return List.copyOf(VARIANTS.values());
    }

    public static synchronized Variant variant(String name) {
        String key = name.toLowerCase(Locale.ROOT);
        Variant v = VARIANTS.get(ALIASES.getOrDefault(key, key));
        if (v == null) {
            throw new SpecException("unknown model '" + name + "' (known: " + String.join(", ", VARIANTS.keySet()) + ")");
        }
        return v;
    }

    /** The architecture of a registered variant, with its own number of classes or {@code numClasses}. */
    public static Architecture architecture(String name, Integer numClasses) {
        Variant v = variant(name);
        return v.factory().apply(numClasses == null ? v.defaultClasses() : numClasses);
    }

    /**
     * The architecture a spec file describes: an official CvT experiment YAML (or JSON of its
     * structure), or a flat JSON with {@code family} {@code vit} / {@code patchconvnet} and the
     * timm / deit constructor names.
     */
    public static Architecture architecture(Path specFile, Integer numClasses) {
        return architecture(SpecFiles.read(specFile), specFile.getFileName().toString(), numClasses);
    }

    /** The architecture a spec tree describes (as read from a spec file, or saved in a model file). */
    public static Architecture architecture(JsonNode tree, String source, Integer numClasses) {
        if (!tree.has("family")) {
            CvtSpec spec = CvtSpec.fromTree(tree, source);
            if (numClasses != null) spec = spec.withNumClasses(numClasses);
            return new CvT("custom CvT (" + source + ")", spec, new int[]{224, 224});
        }
        String family = tree.get("family").asText();
        return switch (family.toLowerCase(Locale.ROOT)) {
            case "vit" -> VitFamily.fromSpec(tree, source, numClasses);
            case "patchconvnet" -> PatchConvNetFamily.fromSpec(tree, source, numClasses);
            case "cvt" -> throw new SpecException(source + ": a CvT spec has the structure of microsoft/CvT's experiment YAML (MODEL.SPEC), not a 'family' field");
            default -> throw new SpecException(source + ": unknown family '" + family + "' (expected vit or patchconvnet, or a CvT YAML)");
        };
    }

    /** A registered variant with freshly initialised parameters. */
    public static VisionModel load(String name) {
        return variant(name).model(null, null);
    }

    /** A registered variant with the weights of a checkpoint file. */
    public static VisionModel load(String name, Path weights) {
        return variant(name).model(null, weights);
    }

    /**
     * The official pretrained weights of a variant, from the cache or downloaded into it (see
     * {@link WeightsCache}); an error says so where none are published.
     */
    public static Path pretrainedWeights(String name, WeightsCache cache) {
        Variant v = variant(name);
        Card.Pretrained p = v.card().pretrained();
        if (p == null) {
            throw new SpecException("no official pretrained weights are published for " + v.name()
                    + " (see bin/cvt models --sources); pass --weights FILE");
        }
        return cache.fetch(v.name(), p.file(), p.url(), p.sha256());
    }

    /** A registered variant with another number of classes (a fresh head), random weights: for fine-tuning. */
    public static VisionModel load(String name, int numClasses) {
        return variant(name).model(numClasses, null);
    }
}
