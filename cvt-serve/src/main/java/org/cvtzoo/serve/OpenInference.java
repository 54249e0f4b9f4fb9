package org.cvtzoo.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.cvtzoo.zoo.VisionModel;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The Open Inference Protocol (KServe v2, also NVIDIA Triton's) over HTTP/JSON, for one input
 * {@code input} (FP32 {@code [B, 3, H, W]}, preprocessed) and two outputs, {@code logits}
 * {@code [B, classes]} and {@code features} {@code [B, dim]}. Tensor data is read flat or
 * nested (row-major) and written flat, as the protocol allows. Errors are {@code {"error": "..."}}.
 *
 * <p>Triton's binary tensor data extension, which its clients use by default: a body whose
 * first {@code Inference-Header-Content-Length} bytes are the JSON and the rest raw
 * little-endian tensor data, an input marked {@code "parameters": {"binary_data_size": n}}
 * reading its n bytes from there (in the order of the inputs); outputs asked for with
 * {@code "binary_data": true} (each, in its {@code parameters}) or {@code "binary_data_output":
 * true} (the request's) come back the same way.
 */
final class OpenInference {
    static final String INPUT = "input", LOGITS = "logits", FEATURES = "features";
    private static final ObjectMapper JSON = new ObjectMapper();

    private OpenInference() {
    }

    /** The HTTP header that says where a body's JSON ends and its binary tensor data begins, both ways. */
    static final String HEADER_LENGTH = "Inference-Header-Content-Length";

    /** A parsed inference request: its id (may be null), the input batch, and the outputs asked for, with those wanted as binary data. */
    record Request(String id, INDArray input, List<String> outputs, java.util.Set<String> binary) {
    }

    /** An answer: the JSON, and the binary data of the outputs that go after it (empty when none). */
    record Response(ObjectNode json, byte[] binary) {
    }

    static ObjectNode serverMetadata(String version) {
        ObjectNode n = JSON.createObjectNode().put("name", "cvt-serve").put("version", version);
        n.putArray("extensions").add("binary_tensor_data");
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

    /**
     * @param jsonLength the {@value #HEADER_LENGTH} header's value: the JSON's length where binary
     *                   data follows it; null for a body of JSON alone
     * @throws HttpError 400 naming what is wrong with the request
     */
    static Request parse(byte[] body, String jsonLength, ServedModel m) {
        int json = body.length;
        if (jsonLength != null) {
            try {
                json = Integer.parseInt(jsonLength.trim());
            } catch (NumberFormatException e) {
                json = -1;
            }
            if (json < 0 || json > body.length) {
                throw new HttpError(400, HEADER_LENGTH + " " + jsonLength + " is not a length within the body's " + body.length + " bytes");
            }
        }
        JsonNode root;
        try {
            root = JSON.readTree(body, 0, json);
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
        INDArray x = input(inputs.get(0), m, body, json);
        List<String> outputs = new ArrayList<>();
        java.util.Set<String> binary = new java.util.HashSet<>();
        boolean allBinary = flag(root, "binary_data_output");
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
                if (flag(o, "binary_data")) binary.add(name);
            }
        }
        if (allBinary) binary.addAll(outputs);
        return new Request(id == null ? null : id.asText(), x, outputs, binary);
    }

    /** A boolean in a request's or a tensor's {@code parameters}; false where absent. */
    private static boolean flag(JsonNode n, String name) {
        JsonNode v = n.path("parameters").get(name);
        if (v == null) return false;
        if (!v.isBoolean()) throw new HttpError(400, "parameter \"" + name + "\" must be true or false");
        return v.asBoolean();
    }

    private static INDArray input(JsonNode t, ServedModel m, byte[] body, int json) {
        int bodyBytes = body.length;
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
        JsonNode size = t.path("parameters").get("binary_data_size");
        if (size != null) return binaryInput(t, size, shape, body, json);
        if (count > bodyBytes / 2) { // each value takes at least a digit and a comma: refuse before allocating
            throw new HttpError(400, "input shape " + Arrays.toString(shape) + " needs more values than a body of " + bodyBytes
                    + " bytes holds");
        }
        JsonNode data = t.get("data");
        if (data == null) throw new HttpError(400, "input \"" + INPUT + "\" has neither \"data\" nor a \"binary_data_size\" parameter");
        float[] values = new float[(int) count];
        int[] at = {0};
        flatten(data, values, at);
        if (at[0] != count) {
            throw new HttpError(400, "input \"" + INPUT + "\" has " + at[0] + " values where its shape " + Arrays.toString(shape)
                    + " needs " + count);
        }
        return org.cvtzoo.core.image.Images.floats(values, shape);
    }

    /** An input's values from the binary data after the JSON (the only input, so the data's first bytes). */
    private static INDArray binaryInput(JsonNode t, JsonNode size, long[] shape, byte[] body, int json) {
        if (t.has("data")) throw new HttpError(400, "input \"" + INPUT + "\" has both \"data\" and a \"binary_data_size\" parameter");
        if (!size.canConvertToLong() || !size.isIntegralNumber()) throw new HttpError(400, "\"binary_data_size\" must be an integer");
        long bytes = size.asLong(), left = body.length - json, count = 1;
        for (long d : shape) count = Math.min(count * Math.min(d, Integer.MAX_VALUE), Integer.MAX_VALUE); // no overflow: both factors < 2^31
        if (bytes != 4 * count) {
            throw new HttpError(400, "input \"" + INPUT + "\" of shape " + Arrays.toString(shape) + " needs " + 4 * count
                    + " bytes of FP32 data, its \"binary_data_size\" says " + bytes);
        }
        if (bytes > left) {
            throw new HttpError(400, "input \"" + INPUT + "\" has a \"binary_data_size\" of " + bytes + " bytes, and " + left
                    + " bytes follow the JSON");
        }
        float[] values = new float[(int) count];
        java.nio.ByteBuffer.wrap(body, json, (int) bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        return org.cvtzoo.core.image.Images.floats(values, shape);
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

    static Response response(ServedModel m, Request r, VisionModel.Output out) {
        ObjectNode n = JSON.createObjectNode().put("model_name", m.name).put("model_version", "1");
        if (r.id() != null) n.put("id", r.id());
        ArrayNode outs = n.putArray("outputs");
        java.io.ByteArrayOutputStream binary = new java.io.ByteArrayOutputStream();
        for (String name : r.outputs()) {
            INDArray a = name.equals(LOGITS) ? out.logits() : out.features();
            ObjectNode t = outs.addObject().put("name", name);
            ArrayNode s = t.putArray("shape");
            for (long d : a.shape()) s.add(d);
            t.put("datatype", "FP32");
            float[] values = a.castTo(DataType.FLOAT).dup('c').data().asFloat();
            if (r.binary().contains(name)) {
                t.putObject("parameters").put("binary_data_size", 4L * values.length);
                java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * values.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(values);
                binary.writeBytes(b.array());
            } else {
                ArrayNode data = t.putArray("data");
                for (float v : values) data.add(v);
            }
        }
        return new Response(n, binary.toByteArray());
    }
}
