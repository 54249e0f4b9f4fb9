package org.cvtzoo.zoo;

import com.fasterxml.jackson.databind.JsonNode;
import org.cvtzoo.core.ZooException;
import org.cvtzoo.zoo.download.WeightsCache;
import org.cvtzoo.zoo.spec.SpecException;
import org.cvtzoo.zoo.spec.SpecFiles;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Stream;

/**
 * The registered families and variants by name and alias, and custom models from spec files.
 * Families and variants are found through {@link ServiceLoader} ({@link Family},
 * {@link VariantProvider}), the built-in ones as a plug-in's would be.
 */
public final class Zoo {
    private Zoo() {
    }

    /** The family of a spec without a {@code family} field: CvT's specs are the official YAML's structure, which has none. */
    static final String SPEC_WITHOUT_FAMILY = "cvt";

    private static final Map<String, Family> FAMILIES = new LinkedHashMap<>();
    private static final Map<String, Variant> VARIANTS = new LinkedHashMap<>();
    private static final Map<String, String> NAMES = new LinkedHashMap<>(); // lower-case name or alias -> name

    static {
        addPlugins(Zoo.class.getClassLoader());
    }

    /**
     * Registers the families and variants that the jars {@code loader} sees list in
     * {@code META-INF/services/org.cvtzoo.zoo.Family} and {@code ...VariantProvider} (the built-in
     * families are listed so in this jar). Done for the zoo's own class loader when it loads; call
     * it for jars added later (e.g. a notebook's {@code %jars}). A family seen again is skipped.
     */
    public static synchronized void addPlugins(ClassLoader loader) {
        for (Family f : ServiceLoader.load(Family.class, loader)) register(f);
        for (VariantProvider p : ServiceLoader.load(VariantProvider.class, loader)) p.variants().forEach(Zoo::register);
    }

    /** Adds a family and its variants; a family name already taken by another family is an error. */
    public static synchronized void register(Family f) {
        String name = f.name().toLowerCase(Locale.ROOT);
        Family old = FAMILIES.get(name);
        if (old != null && old.getClass().getName().equals(f.getClass().getName())) return; // the same, through another loader
        if (old != null) {
            throw new ZooException("cannot register family " + f.getClass().getName() + ": '" + name + "' is "
                    + old.getClass().getName());
        }
        FAMILIES.put(name, f);
        f.variants().forEach(Zoo::register);
    }

    /**
     * Adds a variant (or replaces one of the same name). A name or alias that already means
     * another variant is an error: one name never finds two models.
     */
    public static synchronized void register(Variant v) {
        Variant old = VARIANTS.get(v.name());
        if (old != null) old.aliases().forEach(a -> NAMES.remove(a.toLowerCase(Locale.ROOT)));
        for (String n : concat(v.name(), v.aliases())) {
            String other = NAMES.get(n.toLowerCase(Locale.ROOT));
            if (other != null && !other.equals(v.name())) {
                throw new IllegalArgumentException("cannot register " + v.name() + ": '" + n + "' already names " + other);
            }
        }
        VARIANTS.put(v.name(), v);
        for (String n : concat(v.name(), v.aliases())) NAMES.put(n.toLowerCase(Locale.ROOT), v.name());
    }

    private static List<String> concat(String name, List<String> aliases) {
        return Stream.concat(Stream.of(name), aliases.stream()).toList();
    }

    public static synchronized List<Variant> variants() {
        return List.copyOf(VARIANTS.values());
    }

    public static synchronized Variant variant(String name) {
        Variant v = VARIANTS.get(NAMES.get(name.toLowerCase(Locale.ROOT)));
        if (v == null) {
            throw new UnknownModelException("unknown model '" + name + "' (known: " + String.join(", ", VARIANTS.keySet()) + ")");
        }
        return v;
    }

    /** The architecture of a registered variant, with its own number of classes or {@code numClasses}. */
    public static Architecture architecture(String name, Integer numClasses) {
        return variant(name).architecture(numClasses);
    }

    /**
     * The architecture a spec file describes: an official CvT experiment YAML (or JSON of its
     * structure), or a flat JSON with {@code family} {@code vit} / {@code patchconvnet} and the
     * timm / deit constructor names. The spec carries its input size and evaluation transform.
     */
    public static Architecture architecture(Path specFile, Integer numClasses) {
        return architecture(SpecFiles.read(specFile), specFile.getFileName().toString(), numClasses);
    }

    /** The architecture a spec tree describes (as read from a spec file, or saved in a model file). */
    public static Architecture architecture(JsonNode tree, String source, Integer numClasses) {
        String name = tree.has("family") ? tree.get("family").asText().toLowerCase(Locale.ROOT) : SPEC_WITHOUT_FAMILY;
        Family family = FAMILIES.get(name);
        if (family == null) {
            List<String> named = FAMILIES.keySet().stream().filter(f -> !f.equals(SPEC_WITHOUT_FAMILY)).toList();
            throw new SpecException(source + ": unknown family '" + tree.get("family").asText() + "' (expected "
                    + String.join(" or ", named) + ", or a CvT YAML)");
        }
        Architecture a = family.fromSpec(tree, source);
        return numClasses == null ? a : a.withNumClasses(numClasses);
    }

    /** A registered variant with freshly initialised parameters. */
    public static VisionModel load(String name) {
        return new VisionModel(variant(name).architecture());
    }

    /** A registered variant with the weights of a checkpoint file. */
    public static VisionModel load(String name, Path weights) {
        return VisionModel.fromCheckpoint(variant(name).architecture(), weights);
    }

    /** A registered variant with another number of classes (a fresh head), random weights: for fine-tuning. */
    public static VisionModel load(String name, int numClasses) {
        return new VisionModel(variant(name).architecture(numClasses));
    }

    /**
     * The official pretrained weights of a variant, from the cache or downloaded into it (see
     * {@link WeightsCache}); an error says so where none are published.
     */
    public static Path pretrainedWeights(String name, WeightsCache cache) {
        Variant v = variant(name);
        Card.Pretrained p = v.card().pretrained();
        if (p == null) {
            throw new ZooException("no official pretrained weights are published for " + v.name()
                    + "; load a checkpoint file with Zoo.load(\"" + v.name() + "\", file)");
        }
        return cache.fetch(v.name(), p.file(), p.url(), p.sha256());
    }
}
