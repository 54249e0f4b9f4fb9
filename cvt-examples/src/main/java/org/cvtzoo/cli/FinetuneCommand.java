package org.cvtzoo.cli;

import org.cvtzoo.core.data.ImageFolder;
import org.cvtzoo.core.data.ImageFolderDataset;
import org.cvtzoo.core.data.TrainTransform;
import org.cvtzoo.core.image.EvalTransform;
import org.cvtzoo.zoo.VisionModel;
import org.cvtzoo.zoo.train.FineTune;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "finetune", mixinStandardHelpOptions = true,
        description = {"Fine-tune a model on a folder of images (one sub-folder per class).",
                "Writes OUT/best.safetensors (load it with --model-file; PyTorch loads it as a state_dict)",
                "and OUT/last.ckpt.safetensors (--resume continues from it)."})
final class FinetuneCommand implements Callable<Integer> {
    @Mixin
    ModelChoice model;

    @Mixin
    Main.Common common;

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "Training images: DIR/<class>/<image>.")
    Path data;

    @Option(names = "--val", paramLabel = "DIR", description = "Validation images (default: a stratified --val-fraction of --data).")
    Path val;

    @Option(names = "--val-fraction", defaultValue = "0.1", description = "Share of --data held out when there is no --val (default: ${DEFAULT-VALUE}).")
    double valFraction;

    @Option(names = "--epochs", defaultValue = "5") int epochs;
    @Option(names = "--batch", defaultValue = "32") int batch;
    @Option(names = "--lr", defaultValue = "5e-4") double lr;
    @Option(names = "--weight-decay", defaultValue = "0.05") double weightDecay;
    @Option(names = "--warmup-epochs", defaultValue = "1") double warmupEpochs;
    @Option(names = "--label-smoothing", defaultValue = "0.1") double labelSmoothing;
    @Option(names = "--clip", defaultValue = "0", description = "Clip gradients to this global norm (0: off).") double clip;
    @Option(names = "--optimizer", defaultValue = "adamw", description = "adamw or sgd.") String optimizer;

    @Option(names = "--train", defaultValue = "all", paramLabel = "WHAT",
            description = "What trains: all, head (the backbone frozen), or last:N (head, final norm and the last N blocks).")
    String train;

    @Option(names = "--out", required = true, paramLabel = "DIR") Path out;
    @Option(names = "--resume", description = "Continue from OUT/last.ckpt.safetensors.") boolean resume;
    @Option(names = "--seed", defaultValue = "42") long seed;

    @Override
    public Integer call() {
        model.checkWeights(false);
        ImageFolder.Split split = val != null ? new ImageFolder.Split(ImageFolder.open(data), ImageFolder.open(val))
                : ImageFolder.open(data).split(valFraction, seed);
        if (model.modelFile == null && model.weights == null && !model.pretrained) {
            System.err.println("warning: no --weights or --pretrained: training from random weights");
        }
        VisionModel base = model.load();
        EvalTransform eval = base.eval();
        int size = eval.hasCrop() ? eval.crop() : base.architecture().nativeSize()[0];
        TrainTransform augment = TrainTransform.of(size, eval.mean(), eval.std());
        FineTune ft = FineTune.of(base).numClasses(split.train().classes().size()).classNames(split.train().classes())
                .epochs(epochs).batchSize(batch).lr(lr).weightDecay(weightDecay).warmupEpochs(warmupEpochs)
                .labelSmoothing(labelSmoothing).clipNorm(clip).optimizer(optimizer).seed(seed).inputSize(size, size)
                .outputDir(out).resume(resume).listener(new TrainingProgress());
        if (train.equals("head")) ft.freezeBackbone();
        else if (train.startsWith("last:")) ft.unfreezeLast(parseLast(train));
        else if (!train.equals("all")) throw new Errors.UserError("--train must be all, head or last:N, got " + train);
        System.out.printf("%s: %d training / %d validation images, %d classes, %dx%d%n", model.describe(),
                split.train().size(), split.validation().size(), split.train().classes().size(), size, size);
        FineTune.Result r = ft.fit(ImageFolderDataset.train(split.train(), augment), ImageFolderDataset.eval(split.validation(), eval));
        double best = r.history().stream().mapToDouble(FineTune.EpochReport::valTop1).max().orElse(Double.NaN);
        System.out.printf(Locale.ROOT, "best validation top-1 %.2f%%: %s%n", 100 * best, r.bestFile());
        return 0;
    }

    private static int parseLast(String s) {
        try {
            int n = Integer.parseInt(s.substring("last:".length()));
            if (n < 1) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw new Errors.UserError("--train last:N needs a positive N, got " + s);
        }
    }
}
