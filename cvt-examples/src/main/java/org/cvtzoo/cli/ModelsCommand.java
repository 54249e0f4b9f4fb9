package org.cvtzoo.cli;

import org.cvtzoo.zoo.Zoo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

@Command(name = "models", mixinStandardHelpOptions = true, description = "List the registered model variants.")
final class ModelsCommand implements Callable<Integer> {
    @Mixin
    Main.Common common;

    @Override
    public Integer call() {
        System.out.printf("%-10s %-7s %-9s %-8s %s%n", "name", "family", "input", "classes", "aliases");
        for (Zoo.Variant v : Zoo.variants()) {
            System.out.printf("%-10s %-7s %-9s %-8d %s%n", v.name(), v.family(),
                    v.nativeSize()[0] + "x" + v.nativeSize()[1], v.defaultClasses(), String.join(", ", v.aliases()));
        }
        return 0;
    }
}
