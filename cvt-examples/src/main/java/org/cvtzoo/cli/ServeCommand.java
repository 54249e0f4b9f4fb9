package org.cvtzoo.cli;

import org.cvtzoo.serve.ModelServer;
import org.cvtzoo.serve.ServeConfig;
import org.cvtzoo.zoo.ModelFile;
import org.cvtzoo.zoo.VisionModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve models over HTTP with dynamic batching.",
                "Endpoints: POST /predictions/{model} (an image; ?topk=), the Open Inference Protocol (/v2/...), "
                        + "/metrics (Prometheus) and a web page at /.",
                "Stops gracefully on SIGTERM or Ctrl-C (finishes the accepted requests)."})
final class ServeCommand implements Callable<Integer> {
    @Mixin
    Main.Common common;

    @Option(names = "--model", paramLabel = "NAME=FILE|NAME",
            description = "NAME=FILE: serve a model file (as finetune writes) under NAME; repeat for several models. "
                    + "A registered variant NAME instead takes --weights or --pretrained.")
    List<String> models = new ArrayList<>();

    @Option(names = "--model-file", paramLabel = "FILE", description = "A model file, served under its file name without the extension.")
    List<Path> modelFiles = new ArrayList<>();

    @Option(names = "--weights", paramLabel = "FILE", description = "Checkpoint for the variant given as --model NAME.")
    Path weights;

    @Option(names = "--pretrained", description = "The official weights for the variant given as --model NAME.")
    boolean pretrained;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default: ${DEFAULT-VALUE}; 0.0.0.0 for every interface).")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "TCP port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--max-batch", defaultValue = "16", description = "Most images in one forward pass (default: ${DEFAULT-VALUE}).")
    int maxBatch;

    @Option(names = "--max-delay-ms", defaultValue = "10", description = "How long a request waits for others to batch with (default: ${DEFAULT-VALUE}).")
    int maxDelayMs;

    @Option(names = "--queue", defaultValue = "256", description = "Most requests waiting per model; past it 503 + Retry-After (default: ${DEFAULT-VALUE}).")
    int queue;

    @Option(names = "--threads", description = "Image-decoding threads (default: the CPU count).")
    Integer threads;

    @Option(names = "--timeout-ms", defaultValue = "30000", description = "Per-request timeout; 504 past it (default: ${DEFAULT-VALUE}).")
    long timeoutMs;

    @Option(names = "--max-body-mb", defaultValue = "10", description = "Largest request body; 413 past it (default: ${DEFAULT-VALUE}).")
    int maxBodyMb;

    @Option(names = "--max-pixels", defaultValue = "40000000", description = "Largest image (width x height); 413 past it (default: ${DEFAULT-VALUE}).")
    long maxPixels;

    @Override
    public Integer call() throws InterruptedException {
        if (maxBodyMb < 1 || maxBodyMb > 1024) throw new Errors.UserError("--max-body-mb must be 1..1024, got " + maxBodyMb);
        ServeConfig config = new ServeConfig(host, port, maxBatch, maxDelayMs, queue,
                threads != null ? threads : ServeConfig.defaults().threads(), timeoutMs, maxBodyMb << 20, maxPixels);
        Map<String, VisionModel> loaded = load();
        ModelServer server = ModelServer.start(config, loaded);
        Thread hook = new Thread(() -> {
            System.err.println("cvt serve: stopping (finishing accepted requests)");
            server.shutdown(timeoutMs);
        }, "cvt-serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        String where = "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + server.port();
        for (Map.Entry<String, VisionModel> e : loaded.entrySet()) {
            System.err.println("cvt serve: " + e.getKey() + " (" + e.getValue().architecture().name() + ") at " + where
                    + "/predictions/" + e.getKey());
        }
        System.err.println("cvt serve: listening on " + where + "/ (batches of up to " + maxBatch + " within " + maxDelayMs
                + " ms, queue " + queue + ")");
        server.awaitShutdown();
        return 0;
    }

    /** The models by URL name, each loaded (a file that fails is a start-up error naming it). */
    private Map<String, VisionModel> load() {
        Map<String, VisionModel> out = new LinkedHashMap<>();
        String variant = null;
        for (String m : models) {
            int eq = m.indexOf('=');
            if (eq < 0) {
                if (variant != null) throw new Errors.UserError("one --model NAME with --weights/--pretrained at most; serve more as NAME=FILE");
                variant = m;
                continue;
            }
            put(out, m.substring(0, eq), ModelFile.load(Path.of(m.substring(eq + 1))));
        }
        for (Path f : modelFiles) {
            String n = f.getFileName().toString();
            put(out, n.contains(".") ? n.substring(0, n.lastIndexOf('.')) : n, ModelFile.load(f));
        }
        if (variant != null) {
            ModelChoice c = new ModelChoice();
            c.model = variant;
            c.weights = weights;
            c.pretrained = pretrained;
            c.checkWeights(true);
            put(out, variant, c.load());
        } else if (weights != null || pretrained) {
            throw new Errors.UserError("--weights and --pretrained go with --model NAME (a registered variant)");
        }
        if (out.isEmpty()) throw new Errors.UserError("give a model: --model-file FILE, --model NAME=FILE, or --model NAME --weights FILE");
        return out;
    }

    private static void put(Map<String, VisionModel> out, String name, VisionModel m) {
        if (out.putIfAbsent(name, m) != null) throw new Errors.UserError("two models named " + name + ": name them with --model NAME=FILE");
    }
}
