package org.cvtzoo.zoo.pcn;

import com.fasterxml.jackson.databind.JsonNode;
import org.cvtzoo.zoo.Architecture;
import org.cvtzoo.zoo.Zoo;
import org.cvtzoo.zoo.spec.SpecException;

import java.util.List;

/** PatchConvNet (deit): registered variants and flat JSON specs ({@code "family": "patchconvnet"}). */
public final class PatchConvNetFamily {
    private PatchConvNetFamily() {
    }

    public static List<Zoo.Variant> variants() {
        return List.of();
    }

    public static Architecture fromSpec(JsonNode tree, String source, Integer numClasses) {
        throw new SpecException(source + ": PatchConvNet specs are not supported yet");
    }
}
