package org.cvtzoo.zoo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.cvtzoo.core.image.EvalTransform;
import org.cvtzoo.core.weights.CheckpointException;
import org.cvtzoo.core.weights.Checkpoints;
import org.cvtzoo.core.weights.StateDict;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model saved whole in one {@code .safetensors} file: the parameters under the official names
 * (so PyTorch loads it as a state_dict), and in its metadata the spec (which carries the input
 * size), the class names and the evaluation preprocessing, so that {@code bin/cvt predict --model-file} and
 * {@link #load} rebuild the same model without anything else.
 */
public final class ModelFile {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String SPEC = "cvt.spec", NAME = "cvt.name", CLASSES = "cvt.class_names", EVAL = "cvt.eval";

    private ModelFile() {
    }

    public static void save(VisionModel m, Path file) {
        save(m, file, 0);
    }

    /** As {@link #save(VisionModel, Path)}, for a model trained {@code trainingSteps} steps (BatchNorm's num_batches_tracked). */
    public static void save(VisionModel m, Path file, long trainingSteps) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(NAME, m.architecture().name());
        meta.put(SPEC, m.architecture().specTree().toString());
        meta.put(CLASSES, JSON.valueToTree(m.classNames()).toString());
        if (m.eval() != null) meta.put(EVAL, evalTree(m.eval()).toString());
        m.exportSafetensors(file, meta, trainingSteps);
    }

    public static VisionModel load(Path file) {
        Map<String, String> meta;
        try (StateDict d = Checkpoints.open(file)) {
            meta = d.metadata();
        }
        if (!meta.containsKey(SPEC)) {
            throw new CheckpointException(file + ": not a model file of this zoo (no " + SPEC
                    + " metadata); give --model or --spec with --weights for a plain checkpoint");
        }
        try {
            Architecture arch = Zoo.architecture(JSON.readTree(meta.get(SPEC)), file.getFileName().toString(), null);
            if (meta.containsKey(NAME)) arch = arch.withName(meta.get(NAME));
            VisionModel m = VisionModel.fromCheckpoint(arch, file);
            List<String> names = new ArrayList<>();
            JSON.readTree(meta.get(CLASSES)).forEach(n -> names.add(n.asText()));
            m = m.withClassNames(names);
            return meta.containsKey(EVAL) ? m.withEval(evalFromTree(JSON.readTree(meta.get(EVAL)))) : m;
        } catch (IOException | RuntimeException e) {
            if (e instanceof CheckpointException c) throw c;
            throw new CheckpointException(file + ": model file metadata is damaged (" + e.getMessage() + ")", e);
        }
    }

    private static ObjectNode evalTree(EvalTransform t) {
        ObjectNode n = JSON.createObjectNode();
        n.put("shorter", t.resize().shorter()).put("height", t.resize().height()).put("width", t.resize().width())
                .put("crop", t.crop()).put("interpolation", t.interpolation());
        n.set("mean", JSON.valueToTree(t.mean()));
        n.set("std", JSON.valueToTree(t.std()));
        return n;
    }

    private static EvalTransform evalFromTree(JsonNode n) {
        float[] mean = new float[3], std = new float[3];
        for (int i = 0; i < 3; i++) {
            mean[i] = (float) n.get("mean").get(i).asDouble();
            std[i] = (float) n.get("std").get(i).asDouble();
        }
        EvalTransform.Resize r = n.get("shorter").asInt() > 0 ? EvalTransform.Resize.shorterSide(n.get("shorter").asInt())
                : EvalTransform.Resize.exact(n.get("height").asInt(), n.get("width").asInt());
        return new EvalTransform(r, n.get("crop").asInt(), mean, std, n.get("interpolation").asText());
    }
}
