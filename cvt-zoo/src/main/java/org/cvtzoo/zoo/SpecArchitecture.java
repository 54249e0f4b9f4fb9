package org.cvtzoo.zoo;

import com.fasterxml.jackson.databind.JsonNode;
import org.cvtzoo.zoo.spec.ModelSpec;

/** The part of an {@link Architecture} that every family shares: a name and a spec. */
public abstract class SpecArchitecture<S extends ModelSpec<S>> implements Architecture {
    protected final String name;
    protected final S spec;

    protected SpecArchitecture(String name, S spec) {
        this.name = name;
        this.spec = spec;
    }

    public S spec() {
        return spec;
    }

    /** The same family and name with another spec. */
    protected abstract Architecture withSpec(S other);

    @Override
    public String name() {
        return name;
    }

    @Override
    public int numClasses() {
        return spec.numClasses();
    }

    @Override
    public Architecture withNumClasses(int n) {
        return withSpec(spec.withNumClasses(n));
    }

    @Override
    public JsonNode specTree() {
        return spec.toTree();
    }
}
