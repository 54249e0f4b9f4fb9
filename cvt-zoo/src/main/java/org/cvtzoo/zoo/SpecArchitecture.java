package org.cvtzoo.zoo;

import org.cvtzoo.zoo.spec.ModelSpec;

/** The part of an {@link Architecture} that every family shares: a name and a spec. */
public abstract class SpecArchitecture<S extends ModelSpec<S>> implements Architecture {
    protected final String name;
    protected final S spec;

    protected SpecArchitecture(String name, S spec) {
        this.name = name;
        this.spec = spec;
    }

    @Override
    public S spec() {
        return spec;
    }

    /** This family's architecture of that name and spec. */
    protected abstract Architecture create(String name, S spec);

    @Override
    public String name() {
        return name;
    }

    @Override
    public Architecture withNumClasses(int n) {
        return create(name, spec.withNumClasses(n));
    }

    @Override
    public Architecture withName(String other) {
        return create(other, spec);
    }

    @Override
    public String toString() {
        return name + " (" + family() + ")";
    }
}
