package org.cvtzoo.zoo;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/**
 * A model family, as one timm model file: its registered variants (with their pretrained and
 * evaluation configs) and how it reads a spec file. Each lives in its own package
 * ({@code cvt}, {@code vit}, {@code pcn}) beside its spec, graph and checkpoint filter.
 */
public interface Family {
    /** The family's name, as spec files name it in their {@code family} field. */
    String name();

    List<Variant> variants();

    /** The architecture a spec tree of this family describes, named after {@code source}. */
    Architecture fromSpec(JsonNode tree, String source);
}
