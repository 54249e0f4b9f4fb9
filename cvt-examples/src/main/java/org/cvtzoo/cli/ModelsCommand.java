package org.cvtzoo.cli;

import org.cvtzoo.core.image.EvalTransform;
import org.cvtzoo.zoo.Architecture;
import org.cvtzoo.zoo.Card;
import org.cvtzoo.zoo.Variant;
import org.cvtzoo.zoo.Zoo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "models", mixinStandardHelpOptions = true,
        description = "List the registered variants: size, cost, evaluation preprocessing, pretrained weights.")
final class ModelsCommand implements Callable<Integer> {
    @Mixin
    Main.Common common;

    @Option(names = "--sources", description = "Also show where each published figure and file comes from.")
    boolean sources;

    @Override
    public Integer call() {
        String fmt = "%-18s %-12s %-7s %-7s %-8s %-14s %-49s %-8s %s%n";
        System.out.printf(fmt, "name", "family", "input", "classes", "params", "GMACs", "eval preprocessing",
                "sha256", "pretrained weights");
        for (Variant v : Zoo.variants()) {
            Architecture a = v.architecture();
            Card.Published p = v.card().published();
            Card.Pretrained w = v.card().pretrained();
            System.out.printf(fmt, v.name(), v.family(), a.nativeSize()[0] + "x" + a.nativeSize()[1], a.numClasses(),
                    p == null ? "unknown" : String.format(Locale.ROOT, "%.1fM", p.paramsMillions()),
                    p == null ? "unknown" : String.format(Locale.ROOT, "%.2f", p.gmacs()),
                    describe(a.eval()),
                    w == null ? "-" : w.sha256() == null ? "unknown" : w.sha256().substring(0, 8) + "...",
                    w == null ? "none published" : w.url().toString());
            if (sources) {
                if (p != null) System.out.println("    figures: " + p.source());
                if (w != null) System.out.println("    weights: " + w.source());
                if (!v.aliases().isEmpty()) System.out.println("    aliases: " + String.join(", ", v.aliases()));
            }
        }
        return 0;
    }

    static String describe(EvalTransform t) {
        if (t == null) return "unknown";
        String resize = t.resize().isShorterSide() ? "resize " + t.resize().shorter()
                : "resize " + t.resize().height() + "x" + t.resize().width();
        String crop = t.hasCrop() ? ", crop " + t.crop() : "";
        float[] half = {0.5f, 0.5f, 0.5f};
        String norm = Arrays.equals(t.mean(), EvalTransform.imagenetMean()) && Arrays.equals(t.std(), EvalTransform.imagenetStd())
                ? ", ImageNet mean/std" : Arrays.equals(t.mean(), half) && Arrays.equals(t.std(), half) ? ", mean/std 0.5" : ", own mean/std";
        return resize + crop + ", " + t.interpolation() + norm;
    }
}
