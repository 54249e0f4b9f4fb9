package org.cvtzoo.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.cvtzoo.zoo.VisionModel;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The Open Inference Protocol (KServe v2, also NVIDIA Triton's) over HTTP/JSON, for one input
 * {@code input} (FP32 {@code [B, 3, H, W]}, preprocessed) and two outputs, {@code logits}
 * {@code [B, classes]} and {@code features} {@code [B, dim]}. Tensor data is read flat or
 * nested (row-major) and written flat, as the protocol allows. Errors are {@code {"error": "..."}}.
 */
final class OpenInference {
    static final String INPUT = "input", LOGITS = "logits", FEATURES = "features";
    private static final ObjectMapper JSON = new ObjectMapper();

    private OpenInference() {
    }

    /** A parsed inference request: its id (may be null), the input batch, and the outputs asked for. */
    record Request(String id, INDArray input, List<String> outputs) {
    }

    static ObjectNode serverMetadata(String version) {
        ObjectNode n = JSON.createObjectNode().put("name", "cvt-serve").put("version", version);
        n.putArray("extensions");
        return n;
    }

    static ObjectNode modelMetadata(ServedModel m) {
        ObjectNode n = JSON.createObjectNode().put("name", m.name);
        n.putArray("versions").add("1");
        n.put("platform", "cvt-zoo_" + m.model.architecture().family());
        tensor(n.putArray("inputs"), INPUT, -1, 3, m.height, m.width);
        ArrayNode outs = n.putArray("outputs");
        tensor(outs, LOGITS, -1, m.classes);
        tensor(outs, FEATURES, -1, m.featureDim);
        return n;
    }

    private static void tensor(ArrayNode into, String name, long... shape) {
        ObjectNode t = into.addObject().put("name", name).put("datatype", "FP32");
        ArrayNode s = t.putArray("shape");
        for (long d : shape) s.add(d);
    }

    static ObjectNode error(String message) {
        return JSON.createObjectNode().put("error", message);
    }

    /** @throws HttpError 400 naming what is wrong with the request */
    static Request parse(byte[] body, ServedModel m) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new HttpError(400, "malformed JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw new HttpError(400, "unreadable body: " + e.getMessage());
        }
        if (root == null || !root.isObject()) throw new HttpError(400, "the body must be a JSON object with \"inputs\"");
        JsonNode id = root.get("id");
        if (id != null && !id.isTextual()) throw new HttpError(400, "\"id\" must be a string");
        JsonNode inputs = root.get("inputs");
        if (inputs == null || !inputs.isArray() || inputs.size() != 1) {
            throw new HttpError(400, "\"inputs\" must be an array of one tensor, named \"" + INPUT + "\"");
        }
        INDArray x = input(inputs.get(0), m, body.length);
        List<String> outputs = new ArrayList<>();
        JsonNode wanted = root.get("outputs");
        if (wanted == null) {
            outputs.addAll(List.of(LOGITS, FEATURES));
        } else {
            if (!wanted.isArray()) throw new HttpError(400, "\"outputs\" must be an array");
            for (JsonNode o : wanted) {
                String name = o.path("name").asText("");
                if (!name.equals(LOGITS) && !name.equals(FEATURES)) {
                    throw new HttpError(400, "unknown output \"" + name + "\": model " + m.name + " has \"" + LOGITS + "\" and \""
                            + FEATURES + "\"");
                }
                outputs.add(name);
            }
        }
        return new Request(id == null ? null : id.asText(), x, outputs);
    }

    private static INDArray input(JsonNode t, ServedModel m, int bodyBytes) {
        if (!t.isObject()) throw new HttpError(400, "an input tensor must be a JSON object");
        String name = t.path("name").asText(null);
        if (!INPUT.equals(name)) throw new HttpError(400, "unknown input \"" + name + "\": model " + m.name + " takes \"" + INPUT + "\"");
        String type = t.path("datatype").asText(null);
        if (!"FP32".equals(type)) throw new HttpError(400, "input \"" + INPUT + "\" must have datatype FP32, got " + type);
        JsonNode shapeNode = t.get("shape");
        if (shapeNode == null || !shapeNode.isArray() || shapeNode.size() != 4) {
            throw new HttpError(400, "input \"" + INPUT + "\" must have a shape [B, 3, H, W]");
        }
        long[] shape = new long[4];
        for (int i = 0; i < 4; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 1) {
                throw new HttpError(400, "input shape " + shapeNode + " must hold positive integers");
            }
            shape[i] = d.asLong();
        }
        if (shape[1] != 3) throw new HttpError(400, "input shape " + Arrays.toString(shape) + " must be [B, 3, H, W] (RGB, NCHW)");
        try {
            m.model.architecture().checkInputSize(shape[2], shape[3]);
        } catch (RuntimeException e) {
            throw new HttpError(400, "input shape " + Arrays.toString(shape) + ": " + e.getMessage());
        }
        long count = 1;
        for (long d : shape) count = Math.min(count * Math.min(d, bodyBytes), bodyBytes); // capped: a shape of huge numbers cannot overflow
        if (count > bodyBytes / 2) { // each value takes at least a digit and a comma: refuse before allocating
            throw new HttpError(400, "input shape " + Arrays.toString(shape) + " needs more values than a body of " + bodyBytes
                    + " bytes holds");
        }
        JsonNode data = t.get("data");
        if (data == null) throw new HttpError(400, "input \"" + INPUT + "\" has no \"data\" (binary data is not supported)");
        float[] values = new float[(int) count];
        int[] at = {0};
        flatten(data, values, at);
        if (at[0] != count) {
            throw new HttpError(400, "input \"" + INPUT + "\" has " + at[0] + " values where its shape " + Arrays.toString(shape)
                    + " needs " + count);
        }
        return Nd4j.create(values, shape, 'c').castTo(DataType.FLOAT);
    }

    /** Row-major values of a flat or nested array. */
    private static void flatten(JsonNode n, float[] into, int[] at) {
        if (n.isArray()) {
            for (JsonNode c : n) flatten(c, into, at);
        } else if (n.isNumber()) {
            if (at[0] >= into.length) {
                at[0]++;
                return; // counted, reported as a size mismatch
            }
            into[at[0]++] = n.floatValue();
        } else {
            throw new HttpError(400, "input data must be numbers, got " + n.getNodeType().toString().toLowerCase(java.util.Locale.ROOT));
        }
    }

    static ObjectNode response(ServedModel m, Request r, VisionModel.Output out) {
        ObjectNode n = JSON.createObjectNode().put("model_name", m.name).put("model_version", "1");
        if (r.id() != null) n.put("id", r.id());
        ArrayNode outs = n.putArray("outputs");
        for (String name : r.outputs()) {
            INDArray a = name.equals(LOGITS) ? out.logits() : out.features();
            ObjectNode t = outs.addObject().put("name", name);
            ArrayNode s = t.putArray("shape");
            for (long d : a.shape()) s.add(d);
            t.put("datatype", "FP32");
            ArrayNode data = t.putArray("data");
            for (float v : a.castTo(DataType.FLOAT).dup('c').data().asFloat()) data.add(v);
        }
        return n;
    }
}
