package org.cvtzoo.cli;

import org.cvtzoo.core.data.ImageFolder;
import org.cvtzoo.core.data.ImageFolderDataset;
import org.cvtzoo.core.data.TrainTransform;
import org.cvtzoo.core.image.EvalTransform;
import org.cvtzoo.core.ZooException;
import org.cvtzoo.zoo.VisionModel;
import org.cvtzoo.zoo.train.EpochReport;
import org.cvtzoo.zoo.train.FineTuneConfig;
import org.cvtzoo.zoo.train.Trainable;
import org.cvtzoo.zoo.train.Trainer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "finetune", mixinStandardHelpOptions = true,
        description = {"Fine-tune a model on a folder of images (one sub-folder per class).",
                "Writes OUT/best.safetensors (load it with --model-file; PyTorch loads it as a state_dict)",
                "and OUT/last.ckpt.safetensors (--resume continues from it).",
                "Every image is decoded once first: a broken one stops the run before training, named."})
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
    @Option(names = "--optimizer", defaultValue = "adamw", converter = OptimizerConverter.class, description = "adamw or sgd.")
    FineTuneConfig.OptimizerKind optimizer;

    @Option(names = "--train", defaultValue = "all", paramLabel = "WHAT", converter = TrainableConverter.class,
            description = "What trains: all, head (the backbone frozen), or last:N (head, final norm and the last N blocks).")
    Trainable train;

    @Option(names = "--out", required = true, paramLabel = "DIR") Path out;
    @Option(names = "--resume", description = "Continue from OUT/last.ckpt.safetensors.") boolean resume;
    @Option(names = "--seed", defaultValue = "42") long seed;
    @Option(names = "--multiclass", description = {"PatchConvNet: one class token per class (deit's multiclass), each a copy of",
            "the model's class token attending to itself and the patches as the one token did (spec field",
            "multiclass_attend_own_token), with one head per class; the model file keeps both."}) boolean multiclass;

    @Override
    public Integer call() {
        model.checkWeights(false);
        ImageFolder.Split split = val != null ? ImageFolder.trainVal(data, val)
                : ImageFolder.open(data).split(valFraction, seed);
        checkImages(split);
        if (model.request().randomWeights()) {
            System.err.println("warning: no --weights or --pretrained: training from random weights");
        }
        VisionModel base = model.load();
        if (multiclass && !base.architecture().attentionPerClass()) {
            base = org.cvtzoo.zoo.pcn.PerClassTokens.convert(base, split.train().classes().size()); // PatchConvNet only: says so
        }
        EvalTransform eval = base.eval();
        int[] hw = base.architecture().nativeSize();
        if (eval == null || hw[0] != hw[1]) {
            throw new Errors.UserError("finetune trains square images with the model's evaluation preprocessing; "
                    + base.architecture().name() + (eval == null ? " has none known" : " is " + hw[0] + "x" + hw[1]));
        }
        int size = hw[0];
        TrainTransform augment = TrainTransform.of(size, eval.mean(), eval.std());
        FineTuneConfig config = FineTuneConfig.defaults().withClasses(split.train().classes()).withTrainable(train)
                .withEpochs(epochs).withBatchSize(batch).withLr(lr).withWeightDecay(weightDecay).withWarmupEpochs(warmupEpochs)
                .withLabelSmoothing(labelSmoothing).withClipNorm(clip).withOptimizer(optimizer).withSeed(seed)
                .withInputSize(size, size).withOutputDir(out).withResume(resume);
        System.out.printf("%s: %d training / %d validation images, %d classes, %dx%d%n", model.describe(),
                split.train().size(), split.validation().size(), split.train().classes().size(), size, size);
        Trainer.Result r = new Trainer(base, config, new TrainingProgress())
                .fit(ImageFolderDataset.train(split.train(), augment), ImageFolderDataset.eval(split.validation(), eval));
        double best = r.history().stream().mapToDouble(EpochReport::valTop1).max().orElse(Double.NaN);
        System.out.printf(Locale.ROOT, "best validation top-1 %.2f%%: %s%n", 100 * best, r.bestFile());
        if (r.evaluation() != null) System.out.println(Confusions.describe(r.evaluation()));
        return 0;
    }

    /** Every image is decoded once before training: a broken one stops the run before it starts, all of them named. */
    private static void checkImages(ImageFolder.Split split) {
        java.util.Set<String> broken = new java.util.LinkedHashSet<>(split.train().unreadable());
        broken.addAll(split.validation().unreadable()); // (--val may be --data itself)
        if (broken.isEmpty()) return;
        java.util.List<String> shown = broken.stream().limit(5).toList();
        throw new Errors.UserError(broken.size() + (broken.size() == 1 ? " image cannot" : " images cannot")
                + " be read; fix or remove before training: " + String.join("; ", shown)
                + (broken.size() > shown.size() ? "; and " + (broken.size() - shown.size()) + " more" : ""));
    }

    static final class TrainableConverter implements CommandLine.ITypeConverter<Trainable> {
        @Override
        public Trainable convert(String text) {
            try {
                return Trainable.parse(text);
            } catch (ZooException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    static final class OptimizerConverter implements CommandLine.ITypeConverter<FineTuneConfig.OptimizerKind> {
        @Override
        public FineTuneConfig.OptimizerKind convert(String text) {
            try {
                return FineTuneConfig.OptimizerKind.parse(text);
            } catch (ZooException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
