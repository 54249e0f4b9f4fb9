package org.cvtzoo.zoo.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.cvtzoo.core.weights.CheckpointException;
import org.cvtzoo.core.weights.Checkpoints;
import org.cvtzoo.core.weights.SafetensorsWriter;
import org.cvtzoo.core.weights.StateDict;
import org.cvtzoo.zoo.VisionModel;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The resumable state of a fine-tuning run in one {@code .safetensors} file, written atomically:
 * the model's parameters and buffers under their official names, the optimiser's state arrays
 * under {@code optimizer/KIND/parameter}, and in the metadata the epochs done, the best
 * validation top-1, the optimiser's step counts and the epoch reports so far.
 */
final class TrainingCheckpoint {
    private TrainingCheckpoint() {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String OPT = "optimizer/";

    /** How far a run got. */
    record Progress(int epochsDone, double bestTop1, List<EpochReport> history) {
        static final Progress START = new Progress(0, -1, List.of());

        Progress {
            history = List.copyOf(history);
        }
    }

    static void write(Path file, VisionModel model, Optimizer opt, Progress progress) {
        Map<String, INDArray> tensors = new LinkedHashMap<>(model.parameters().stateDict());
        OptimizerState s = opt.state();
        s.tensors().forEach((k, v) -> tensors.put(OPT + k, v));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("cvt.checkpoint.epochs_done", Integer.toString(progress.epochsDone()));
        meta.put("cvt.checkpoint.best_top1", Double.toString(progress.bestTop1()));
        meta.put("cvt.checkpoint.optimizer", s.optimizer());
        meta.put("cvt.checkpoint.steps", Long.toString(s.steps()));
        meta.put("cvt.checkpoint.param_steps", JSON.valueToTree(s.paramSteps()).toString());
        meta.put("cvt.checkpoint.history", JSON.valueToTree(progress.history()).toString());
        SafetensorsWriter.write(file, tensors, Map.of(), meta);
    }

    /** Loads the checkpoint's parameters into {@code model} and its state into {@code opt}, and returns the progress. */
    static Progress read(Path file, VisionModel model, Optimizer opt) {
        try (StateDict d = Checkpoints.open(file)) {
            Map<String, String> meta = d.metadata();
            if (!meta.containsKey("cvt.checkpoint.epochs_done")) {
                throw new CheckpointException(file + ": not a fine-tuning checkpoint");
            }
            model.parameters().load(d.renamed(k -> k.startsWith(OPT) ? null : k), file.getFileName().toString());
            Map<String, INDArray> tensors = new LinkedHashMap<>();
            for (String k : d.keys()) {
                if (k.startsWith(OPT)) tensors.put(k.substring(OPT.length()), d.get(k));
            }
            Map<String, Long> paramSteps = new LinkedHashMap<>();
            JSON.readTree(meta.get("cvt.checkpoint.param_steps")).fields()
                    .forEachRemaining(e -> paramSteps.put(e.getKey(), e.getValue().asLong()));
            opt.loadState(new OptimizerState(meta.get("cvt.checkpoint.optimizer"),
                    Long.parseLong(meta.get("cvt.checkpoint.steps")), paramSteps, tensors));
            List<EpochReport> history = new ArrayList<>();
            for (var h : JSON.readTree(meta.get("cvt.checkpoint.history"))) history.add(JSON.treeToValue(h, EpochReport.class));
            return new Progress(Integer.parseInt(meta.get("cvt.checkpoint.epochs_done")),
                    Double.parseDouble(meta.get("cvt.checkpoint.best_top1")), history);
        } catch (IOException e) {
            throw new CheckpointException(file + ": damaged checkpoint metadata (" + e.getMessage() + ")", e);
        }
    }
}
