package org.cvtzoo.toy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.cvtzoo.core.ZooException;
import org.cvtzoo.core.graph.Ops;
import org.cvtzoo.core.graph.Scope;
import org.cvtzoo.core.image.EvalTransform;
import org.cvtzoo.zoo.Architecture;
import org.cvtzoo.zoo.Card;
import org.cvtzoo.zoo.Family;
import org.cvtzoo.zoo.ParameterGroups;
import org.cvtzoo.zoo.SpecArchitecture;
import org.cvtzoo.zoo.Variant;
import org.cvtzoo.zoo.spec.ModelSpec;
import org.nd4j.autodiff.samediff.SDVariable;

import java.util.List;

/**
 * A plug-in family, as another jar would ship it (PluginFamilyTest compiles this file into a jar
 * with META-INF/services/org.cvtzoo.zoo.Family): the image's mean colour, then a linear head.
 */
public final class ToyFamily implements Family {
    static final String NAME = "toy";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Variant> variants() {
        return List.of(new Variant(new Toy("test-toy-3", new ToySpec(3, 8)), List.of("test-toy3"), new Card(null, null)));
    }

    @Override
    public Architecture fromSpec(JsonNode tree, String source) {
        if (!tree.has("classes") || !tree.has("size")) throw new ZooException(source + ": a toy spec needs classes and size");
        return new Toy("custom toy (" + source + ")", new ToySpec(tree.get("classes").asInt(), tree.get("size").asInt()));
    }

    record ToySpec(int numClasses, int size) implements ModelSpec<ToySpec> {
        @Override
        public int[] inputSize() {
            return new int[]{size, size};
        }

        @Override
        public EvalTransform eval() {
            return null;
        }

        @Override
        public ToySpec withNumClasses(int n) {
            return new ToySpec(n, size);
        }

        @Override
        public ObjectNode toTree() {
            return JsonNodeFactory.instance.objectNode().put("family", NAME).put("classes", numClasses).put("size", size);
        }
    }

    static final class Toy extends SpecArchitecture<ToySpec> {
        Toy(String name, ToySpec spec) {
            super(name, spec);
        }

        @Override
        protected Architecture create(String name, ToySpec spec) {
            return new Toy(name, spec);
        }

        @Override
        public String family() {
            return NAME;
        }

        @Override
        public void checkInputSize(long h, long w) {
            if (h < 1 || w < 1) throw new ZooException("a toy model needs at least 1x1 pixels, got " + h + "x" + w);
        }

        @Override
        public Outputs build(Scope scope, SDVariable input, long h, long w) {
            SDVariable features = input.mean(2, 3); // [B, 3]
            return new Outputs(Ops.linear(scope, "head", features, 3, spec.numClasses(), true), features, null);
        }

        @Override
        public ParameterGroups parameterGroups() {
            return ParameterGroups.of("head", "head", name -> false);
        }
    }
}
