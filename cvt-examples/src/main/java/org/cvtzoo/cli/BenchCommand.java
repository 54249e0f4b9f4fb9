package org.cvtzoo.cli;

import org.cvtzoo.core.exec.Execution;
import org.cvtzoo.core.exec.OneDnn;
import org.cvtzoo.zoo.Architecture;
import org.cvtzoo.zoo.TrainingGraph;
import org.cvtzoo.zoo.VisionModel;
import org.cvtzoo.zoo.train.AdamW;
import org.cvtzoo.zoo.train.DecayRule;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure inference speed: latency per batch, images/s and peak memory.")
final class BenchCommand implements Callable<Integer> {
    @Mixin
    ModelChoice model;

    @Mixin
    Main.Common common;

    @Option(names = "--batch", split = ",", defaultValue = "1,16", paramLabel = "B[,B...]",
            description = "Batch sizes (default: ${DEFAULT-VALUE}).")
    List<Integer> batches;

    @Option(names = "--size", paramLabel = "H[xW]", description = "Input size (default: the model's native size).")
    String size;

    @Option(names = "--warmup", defaultValue = "2", description = "Untimed runs per batch size (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--iters", defaultValue = "10", description = "Timed runs per batch size (default: ${DEFAULT-VALUE}; p90 needs 10 or more to mean anything).")
    int iters;

    @Option(names = "--threads", description = "ND4J threads (default: ND4J's, OMP_NUM_THREADS).")
    Integer threads;

    @Option(names = "--profile", description = "Also time each op type (adds a little overhead).")
    boolean profile;

    @Option(names = "--train", description = "Time a fine-tuning step instead (forward, backward, AdamW update) in training mode.")
    boolean train;

    @Override
    public Integer call() {
        if (threads != null) {
            if (threads < 1) throw new Errors.UserError("--threads must be at least 1");
            Nd4j.getEnvironment().setMaxThreads(threads);
            Nd4j.getEnvironment().setMaxMasterThreads(threads);
        }
        if (iters < 1 || warmup < 0) throw new Errors.UserError("--iters must be at least 1 and --warmup at least 0");
        model.checkWeights(false);
        long t0 = System.nanoTime();
        VisionModel m = model.load(); // random weights unless given: the speed is the same
        Architecture arch = m.architecture();
        int[] hw = size == null ? arch.nativeSize() : parseSize(size);
        double loadS = (System.nanoTime() - t0) / 1e9;
        BackendInfo b = BackendInfo.current();
        Execution execution = Execution.configured();
        System.out.printf("%s, %d parameters, %dx%d, backend %s, %d threads, load %.2f s, run by %s%n", arch.name(),
                m.parameters().parameterCount(), hw[0], hw[1], b.cpu() ? "CPU" : "CUDA", b.threads(), loadS,
                execution == Execution.PLAN ? "execution plans" : "SameDiff's output()");
        if (train) {
            benchTraining(m, hw, execution);
            return 0;
        }
        for (int batch : batches) {
            if (batch < 1) throw new Errors.UserError("batch sizes must be at least 1, got " + batch);
            INDArray x = Nd4j.rand(DataType.FLOAT, batch, 3, hw[0], hw[1]).subi(0.5).muli(4);
            for (int i = 0; i < warmup; i++) m.forward(x);
            OpTimes opTimes = new OpTimes();
            m.setListeners(profile ? new OpTimes[]{opTimes} : new OpTimes[0]);
            double[] ms = new double[iters];
            for (int i = 0; i < iters; i++) {
                long s = System.nanoTime();
                m.forward(x);
                ms[i] = (System.nanoTime() - s) / 1e6;
            }
            Arrays.sort(ms);
            double median = percentile(ms, 50);
            double mean = Arrays.stream(ms).average().orElse(0);
            // "latency median N ms" is what ../shared/bench-ort/vs-project.sh reads
            System.out.printf("batch %3d: latency median %8.1f ms (p90 %.1f, p90/p50 %.2f; mean %.1f, min %.1f, max %.1f), %7.2f images/s, peak RSS %s%n",
                    batch, median, percentile(ms, 90), percentile(ms, 90) / median, mean, ms[0], ms[iters - 1],
                    batch * 1000.0 / median, peakRss());
            if (profile) {
                opTimes.print(System.out, iters, mean, execution == Execution.PLAN
                        ? "the plan's own work: input and output copies, parameter checks" : "SameDiff's bookkeeping");
                if (execution == Execution.PLAN) printRewrites(m.planRewrites(batch, hw[0], hw[1]));
            }
        }
        return 0;
    }

    /** A training step as Trainer runs it: forward and backward on the training graph, then AdamW. */
    private void benchTraining(VisionModel m, int[] hw, Execution execution) {
        TrainingGraph g = new TrainingGraph(m, hw[0], hw[1]);
        List<String> names = g.trainableNames();
        Map<String, INDArray> params = new java.util.LinkedHashMap<>();
        names.forEach(n -> params.put(n, m.parameters().entries().get(n).value()));
        AdamW opt = new AdamW(0.05, DecayRule.of(m.architecture().parameterGroups()));
        int classes = m.architecture().numClasses();
        for (int batch : batches) {
            if (batch < 1) throw new Errors.UserError("batch sizes must be at least 1, got " + batch);
            INDArray x = Nd4j.rand(DataType.FLOAT, batch, 3, hw[0], hw[1]).subi(0.5).muli(4);
            INDArray target = Nd4j.zeros(DataType.FLOAT, batch, classes);
            for (int i = 0; i < batch; i++) target.putScalar(i, i % classes, 1.0);
            double[] ms = new double[iters];
            OpTimes opTimes = new OpTimes();
            for (int i = -warmup; i < iters; i++) {
                if (i == 0 && profile) g.setListeners(opTimes);
                long s = System.nanoTime();
                TrainingGraph.Step step = g.step(x, target, names);
                opt.step(params, step.gradients(), 1e-5);
                g.updateRunningStats(step, 0.1);
                if (i >= 0) ms[i] = (System.nanoTime() - s) / 1e6;
            }
            Arrays.sort(ms);
            double median = percentile(ms, 50);
            System.out.printf("train batch %3d: step median %8.1f ms (p90 %.1f, min %.1f, max %.1f), %7.2f images/s, peak RSS %s"
                            + " (the plan's activations and gradients %.2f GB)%n", batch, median, percentile(ms, 90), ms[0],
                    ms[iters - 1], batch * 1000.0 / median, peakRss(), g.planIntermediateBytes() / 1e9);
            if (profile) {
                opTimes.print(System.out, iters, Arrays.stream(ms).average().orElse(0), execution == Execution.PLAN
                        ? "the optimiser step, and the plan's input copies and parameter checks" : "SameDiff's bookkeeping, the optimiser step");
                g.setListeners();
                if (execution == Execution.PLAN) printRewrites(g.planRewrites());
            }
        }
    }

    /** The nearest-rank percentile of sorted values. */
    static double percentile(double[] sorted, double p) {
        int rank = (int) Math.ceil(p / 100 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    /** The plan's rewrites: which op chains ran as oneDNN primitives or Java kernels, and how many of each. */
    private static void printRewrites(Map<String, Integer> rewrites) {
        System.out.println("  rewrites that fired (" + OneDnn.status() + "):");
        rewrites.forEach((name, count) -> System.out.printf("  %-40s %4d%n", name, count));
    }

    static int[] parseSize(String s) {
        String[] parts = s.toLowerCase().split("x");
        try {
            int h = Integer.parseInt(parts[0].trim());
            int w = parts.length > 1 ? Integer.parseInt(parts[1].trim()) : h;
            if (parts.length > 2 || h < 1 || w < 1) throw new NumberFormatException();
            return new int[]{h, w};
        } catch (NumberFormatException e) {
            throw new Errors.UserError("--size must be N or HxW with positive integers, got '" + s + "'");
        }
    }

    /** Peak resident memory of this process (Linux /proc), or "unknown". */
    static String peakRss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                    return String.format("%.2f GB", kb / 1024.0 / 1024.0);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux: say so below
        }
        return "unknown";
    }
}
