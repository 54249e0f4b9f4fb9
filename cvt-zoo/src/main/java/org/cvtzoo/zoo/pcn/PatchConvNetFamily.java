package org.cvtzoo.zoo.pcn;

import com.fasterxml.jackson.databind.JsonNode;
import org.cvtzoo.zoo.Architecture;
import org.cvtzoo.zoo.Zoo;

import java.util.ArrayList;
import java.util.List;

/**
 * PatchConvNet (deit): registered variants and flat JSON specs ({@code "family": "patchconvnet"}).
 * The variants are deit's {@code S60 S120 B60 B120 L60 L120}: width 384 / 768 / 1024, depth 60 or
 * 120, layer-scale init 1e-4 for S60 and 1e-6 for the others, class-attention MLP ratio 3,
 * 1000 classes at 224x224. Aliases: deit's function names ({@code S60}) and
 * {@code patchconvnet_s60}.
 */
public final class PatchConvNetFamily {
    private PatchConvNetFamily() {
    }

    /** name suffix, embed_dim, depth, init_scale */
    private record Def(String size, int dim, int depth, double initScale) {
    }

    private static final List<Def> DEFS = List.of(
            new Def("s60", 384, 60, 1e-4), new Def("s120", 384, 120, 1e-6),
            new Def("b60", 768, 60, 1e-6), new Def("b120", 768, 120, 1e-6),
            new Def("l60", 1024, 60, 1e-6), new Def("l120", 1024, 120, 1e-6));

    public static List<Zoo.Variant> variants() {
        List<Zoo.Variant> out = new ArrayList<>();
        for (Def d : DEFS) {
            String name = "patchconvnet-" + d.size();
            PatchConvNetSpec spec = PatchConvNetSpec.variant(d.dim(), d.depth(), d.initScale());
            out.add(new Zoo.Variant(name, "patchconvnet", List.of(d.size().toUpperCase(java.util.Locale.ROOT),
                    "patchconvnet_" + d.size()), new int[]{spec.imgSize(), spec.imgSize()}, spec.numClasses(),
                    n -> new PatchConvNet(name, spec.withNumClasses(n))));
        }
        return out;
    }

    /** A custom PatchConvNet from a flat JSON spec; {@code numClasses} (when not null) overrides num_classes. */
    public static Architecture fromSpec(JsonNode tree, String source, Integer numClasses) {
        PatchConvNetSpec spec = PatchConvNetSpec.fromTree(tree, source, numClasses);
        return new PatchConvNet("custom PatchConvNet (" + source + ")", spec);
    }
}
