package org.cvtzoo.zoo.explain;

import org.cvtzoo.core.ZooException;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The explanation methods, by their command-line names. */
public enum Method {
    /** The model's own attention map: the last class-token attention, heads averaged (per class where it has one token per class). */
    LAST("last"),
    /** Attention rollout (Abnar &amp; Zuidema 2020), ViT only. */
    ROLLOUT("rollout"),
    /** Grad-CAM (Selvaraju et al. 2017) over the tokens entering the last attention block: every family. */
    GRADCAM("gradcam"),
    /** Gradient-weighted rollout (Chefer, Gur &amp; Wolf 2021), ViT only. */
    CHEFER("chefer"),
    /** PatchConvNet's class attention (its pooling weights; one map per class with one token per class). */
    CLASS_ATTENTION("class-attention");

    private final String cliName;

    Method(String cliName) {
        this.cliName = cliName;
    }

    public String cliName() {
        return cliName;
    }

    /** Whether the map depends on the class asked for (else it is the same map whatever the class). */
    public boolean usesGradients() {
        return this == GRADCAM || this == CHEFER;
    }

    public static Method parse(String name) {
        for (Method m : values()) if (m.cliName.equals(name.toLowerCase(Locale.ROOT))) return m;
        throw new ZooException("unknown explanation method '" + name + "' (known: "
                + Arrays.stream(values()).map(Method::cliName).collect(Collectors.joining(", ")) + ")");
    }

    @Override
    public String toString() {
        return cliName;
    }
}
