package org.cvtzoo.zoo.vit;

import com.fasterxml.jackson.databind.JsonNode;
import org.cvtzoo.zoo.Architecture;
import org.cvtzoo.zoo.Zoo;
import org.cvtzoo.zoo.spec.SpecException;

import java.util.List;

/** ViT (timm): registered variants and flat JSON specs ({@code "family": "vit"}). */
public final class VitFamily {
    private VitFamily() {
    }

    public static List<Zoo.Variant> variants() {
        return List.of();
    }

    public static Architecture fromSpec(JsonNode tree, String source, Integer numClasses) {
        throw new SpecException(source + ": ViT specs are not supported yet");
    }
}
