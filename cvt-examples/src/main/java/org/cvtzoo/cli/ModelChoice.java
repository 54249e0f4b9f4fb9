package org.cvtzoo.cli;

import org.cvtzoo.zoo.Architecture;
import org.cvtzoo.zoo.Zoo;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * {@code --model NAME | --spec FILE} and {@code --num-classes N}, shared by the commands.
 * (Plain options checked here: picocli lists an exclusive group in a mixin twice in --help.)
 */
final class ModelChoice {
    @Option(names = "--model", paramLabel = "NAME", description = "A registered variant (see: cvt models).")
    String model;

    @Option(names = "--spec", paramLabel = "FILE",
            description = "A model spec: an official CvT experiment YAML (or JSON of its structure), "
                    + "or a flat JSON with \"family\": \"vit\" / \"patchconvnet\".")
    Path spec;

    @Option(names = "--num-classes", paramLabel = "N", description = "Classes of the head (default: the variant's or spec's).")
    Integer numClasses;

    Architecture architecture() {
        if ((model == null) == (spec == null)) {
            throw new Errors.UserError("give exactly one of --model NAME or --spec FILE");
        }
        return model != null ? Zoo.architecture(model, numClasses) : Zoo.architecture(spec, numClasses);
    }
}
