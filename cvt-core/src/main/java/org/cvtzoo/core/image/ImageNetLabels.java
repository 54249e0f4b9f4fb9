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
    private static List<String> synsets;
    private static List<String> labels;

    private static synchronized void load() {
        if (labels != null) {
            return;
        }
        List<String> s = new ArrayList<>(COUNT);
        List<String> l = new ArrayList<>(COUNT);
        try (InputStream in = ImageNetLabels.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + RESOURCE);
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in,
                    StandardCharsets.UTF_8));
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("#") || line.isBlank()) {
                    continue;
                }
                int tab = line.indexOf('\t');
                if (tab < 0) {
                    throw new IllegalStateException(RESOURCE + ": line without a tab: " + line);
                }
                s.add(line.substring(0, tab));
                l.add(line.substring(tab + 1));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (l.size() != COUNT) {
            throw new IllegalStateException(RESOURCE + " has " + l.size() + " classes, not "
                    + COUNT);
        }
        synsets = List.copyOf(s);
        labels = List.copyOf(l);
    }

    /**
     * The label of class {@code index}: its WordNet lemmas, e.g. {@code "tench, Tinca tinca"}
     * for 0.
     */
    public static String get(int index) {
        load();
        check(index);
        return labels.get(index);
    }

    /** The first lemma only, e.g. {@code "tench"} for 0 (not unique: "crane" names two). */
    public static String shortName(int index) {
        String l = get(index);
        int comma = l.indexOf(',');
        return comma < 0 ? l : l.substring(0, comma);
    }

    /** The WordNet synset id of class {@code index}, e.g. {@code "n01440764"} for 0. */
    public static String synset(int index) {
        load();
        check(index);
        return synsets.get(index);
    }

    /** All 1000 labels in class-index order (unmodifiable). */
    public static List<String> all() {
        load();
        return labels;
    }

    private static void check(int index) {
        if (index < 0 || index >= COUNT) {
            throw new IndexOutOfBoundsException("ImageNet class index " + index
                    + " outside 0.." + (COUNT - 1));
        }
    }
}
