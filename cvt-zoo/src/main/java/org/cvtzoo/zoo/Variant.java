package org.cvtzoo.zoo;

import java.util.List;
import java.util.Objects;

/**
 * A registered model: its architecture (named after the variant, with its own number of
 * classes), the other names it is found by, and what is published about it.
 */
public record Variant(Architecture architecture, List<String> aliases, Card card) {
    public Variant {
        Objects.requireNonNull(architecture, "architecture");
        aliases = List.copyOf(aliases);
        if (card == null) {
            throw new IllegalArgumentException("variant " + architecture.name() + " has no card: say what is published"
                    + " about it (new Card(null, null) where nothing is)");
        }
    }

    public String name() {
        return architecture.name();
    }

    public String family() {
        return architecture.family();
    }

    /** The architecture with n classes (a fresh head), or the variant's own when n is null. */
    public Architecture architecture(Integer numClasses) {
        return numClasses == null ? architecture : architecture.withNumClasses(numClasses);
    }
}
