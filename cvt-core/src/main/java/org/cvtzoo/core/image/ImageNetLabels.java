package org.cvtzoo.core.image;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The 1000 ImageNet-1k (ILSVRC-2012) classes in the standard class-index order of torchvision
 * and timm models (sorted WordNet synset ids), from the resource {@code imagenet1k_labels.txt}
 * (derived from timm's {@code imagenet_synsets.txt} and {@code imagenet_synset_to_lemma.txt};
 * see its header).
 */
public final class ImageNetLabels {
    private ImageNetLabels() {
    }

    /** Number of classes. */
    public static final int COUNT = 1000;

    private static final String RESOURCE = "imagenet1k_labels.txt";

    /** The classes' synset ids and labels, in class-index order. */
    record Classes(List<String> synsets, List<String> labels) {
    }

    /** The resource's classes, read when first used. */
    private static final class Resource {
        static final Classes CLASSES = read();

        private static Classes read() {
            try (InputStream in = ImageNetLabels.class.getResourceAsStream(RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException("missing resource " + RESOURCE);
                }
                return parse(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)), RESOURCE);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * Lines {@code synset<TAB>label}, exactly {@link #COUNT} of them; blank lines and lines
     * starting with {@code #} are skipped. {@code name} names the source in errors.
     */
    static Classes parse(BufferedReader r, String name) throws IOException {
        List<String> s = new ArrayList<>(COUNT);
        List<String> l = new ArrayList<>(COUNT);
        for (String line; (line = r.readLine()) != null; ) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            int tab = line.indexOf('\t');
            if (tab < 0) {
                throw new IllegalStateException(name + ": line without a tab: " + line);
            }
            s.add(line.substring(0, tab));
            l.add(line.substring(tab + 1));
        }
        if (l.size() != COUNT) {
            throw new IllegalStateException(name + " has " + l.size() + " classes, not " + COUNT);
        }
        return new Classes(List.copyOf(s), List.copyOf(l));
    }

    /**
     * The label of class {@code index}: its WordNet lemmas, e.g. {@code "tench, Tinca tinca"}
     * for 0.
     */
    public static String get(int index) {
        check(index);
        return Resource.CLASSES.labels().get(index);
    }

    /** The first lemma only, e.g. {@code "tench"} for 0 (not unique: "crane" names two). */
    public static String shortName(int index) {
        String l = get(index);
        int comma = l.indexOf(',');
        return comma < 0 ? l : l.substring(0, comma);
    }

    /** The WordNet synset id of class {@code index}, e.g. {@code "n01440764"} for 0. */
    public static String synset(int index) {
        check(index);
        return Resource.CLASSES.synsets().get(index);
    }

    /** All 1000 labels in class-index order (unmodifiable). */
    public static List<String> all() {
        return Resource.CLASSES.labels();
    }

    private static void check(int index) {
        if (index < 0 || index >= COUNT) {
            throw new IndexOutOfBoundsException("ImageNet class index " + index
                    + " outside 0.." + (COUNT - 1));
        }
    }
}
