package org.cvtzoo.cli;

import org.cvtzoo.zoo.Architecture;
import org.cvtzoo.zoo.Zoo;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** {@code --model NAME | --spec FILE} and {@code --num-classes N}, shared by the commands. */
final class ModelChoice {
    static final class Source {
        @Option(names = "--model", paramLabel = "NAME", description = "A registered variant (see: cvt models).")
        String model;

        @Option(names = "--spec", paramLabel = "FILE", description = "A model spec: official CvT experiment YAML, or JSON of its structure.")
        Path spec;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = "--num-classes", paramLabel = "N", description = "Classes of the head (default: the variant's or spec's).")
    Integer numClasses;

    Architecture architecture() {
        return source.model != null ? Zoo.architecture(source.model, numClasses) : Zoo.architecture(source.spec, numClasses);
    }
}
