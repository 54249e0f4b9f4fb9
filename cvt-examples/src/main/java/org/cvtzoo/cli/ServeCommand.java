package org.cvtzoo.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.cvtzoo.core.ZooException;
import org.cvtzoo.serve.ModelServer;
import org.cvtzoo.serve.ServeConfig;
import org.cvtzoo.zoo.ModelFile;
import org.cvtzoo.zoo.ModelRequest;
import org.cvtzoo.zoo.VisionModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
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

    @Option(names = "--config", paramLabel = "FILE",
            description = "A JSON file naming the models to serve: {\"models\": {\"NAME\": {\"model_file\": FILE}, "
                    + "\"NAME2\": {\"model\": VARIANT, \"weights\": FILE}, ...}} (keys as the options: model, spec, model_file, "
                    + "weights, pretrained, num_classes; paths relative to the file).")
    Path config;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default: ${DEFAULT-VALUE}; 0.0.0.0 for every interface).")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "TCP port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--max-batch", defaultValue = "16", description = "Most images in one forward pass (default: ${DEFAULT-VALUE}).")
    int maxBatch;

    @Option(names = "--max-delay-ms", defaultValue = "10", description = "How long a batch waits for more requests once the model is free "
            + "(it also waits, up to 1 s more, for requests still being decoded; under light load, when the last batch was one "
            + "request alone and nothing else waits, a request runs at once; default: ${DEFAULT-VALUE}).")
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
        if (config != null) {
            for (Map.Entry<String, ModelRequest> e : readConfig(config).entrySet()) put(out, e.getKey(), e.getValue().load());
        }
        if (out.isEmpty()) {
            throw new Errors.UserError("give a model: --model-file FILE, --model NAME=FILE, --model NAME --weights FILE, or --config FILE");
        }
        return out;
    }

    private static final List<String> CONFIG_KEYS = List.of("model", "spec", "model_file", "weights", "pretrained", "num_classes");

    /**
     * The models of a {@code --config} file by URL name, checked as the options are (weights
     * required), not yet loaded; relative paths are the file's directory's.
     */
    static Map<String, ModelRequest> readConfig(Path file) {
        String where = "--config " + file;
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new Errors.UserError(where + ": not valid JSON: " + e.getOriginalMessage() + " (line " + e.getLocation().getLineNr() + ")");
        } catch (IOException e) {
            throw new Errors.UserError(where + ": " + (Files.exists(file) ? "cannot read it (" + e.getMessage() + ")" : "no such file"));
        }
        JsonNode models = root == null ? null : root.get("models");
        if (models == null || !models.isObject() || models.isEmpty() || root.size() != 1) {
            throw new Errors.UserError(where + ": expected {\"models\": {\"NAME\": {\"model_file\": FILE}, ...}} and nothing else");
        }
        Path dir = file.toAbsolutePath().getParent();
        Map<String, ModelRequest> out = new LinkedHashMap<>();
        models.fields().forEachRemaining(e -> {
            String name = e.getKey(), at = where + ", model " + name;
            JsonNode m = e.getValue();
            if (!m.isObject()) throw new Errors.UserError(at + ": expected an object such as {\"model_file\": FILE}");
            m.fieldNames().forEachRemaining(k -> {
                if (!CONFIG_KEYS.contains(k)) throw new Errors.UserError(at + ": unknown key '" + k + "' (known: " + String.join(", ", CONFIG_KEYS) + ")");
            });
            JsonNode pretrained = m.path("pretrained"), classes = m.path("num_classes");
            if (!pretrained.isMissingNode() && !pretrained.isBoolean()) throw new Errors.UserError(at + ": pretrained must be true or false");
            if (!classes.isMissingNode() && !classes.isInt()) throw new Errors.UserError(at + ": num_classes must be an integer");
            ModelRequest r = ModelRequest.of(text(m, "model", at), path(dir, text(m, "spec", at)), path(dir, text(m, "model_file", at)),
                    path(dir, text(m, "weights", at)), pretrained.asBoolean(false), classes.isMissingNode() ? null : classes.asInt());
            try {
                out.put(name, r.check("predictions of random weights mean nothing"));
            } catch (ZooException x) { // said in the options' words: the keys are named alike
                throw new Errors.UserError(at + ": " + x.getMessage() + " (here: the keys " + String.join(", ", CONFIG_KEYS) + ")");
            }
        });
        return out;
    }

    private static String text(JsonNode m, String key, String at) {
        JsonNode v = m.get(key);
        if (v == null) return null;
        if (!v.isTextual() || v.asText().isBlank()) throw new Errors.UserError(at + ": " + key + " must be a non-empty string");
        return v.asText();
    }

    private static Path path(Path dir, String name) {
        return name == null ? null : dir.resolve(name);
    }

    private static void put(Map<String, VisionModel> out, String name, VisionModel m) {
        if (out.putIfAbsent(name, m) != null) throw new Errors.UserError("two models named " + name + ": name them with --model NAME=FILE");
    }
}
