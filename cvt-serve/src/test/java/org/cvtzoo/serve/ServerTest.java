package org.cvtzoo.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.cvtzoo.core.image.Images;
import org.cvtzoo.zoo.Prediction;
import org.cvtzoo.zoo.VisionModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The server over loopback, as clients use it: each route, each fault, and the numbers against VisionModel. */
class ServerTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static VisionModel model;
    static ModelServer server;
    static HttpClient http;
    static byte[] chelsea;

    @BeforeAll
    static void start() throws IOException {
        model = Tiny.model();
        chelsea = Files.readAllBytes(Tiny.IMAGES.resolve("chelsea.png"));
        ServeConfig c = ServeConfig.defaults().withPort(0).withBatching(4, 5).withLimits(1 << 20, 500 * 500);
        server = ModelServer.start(c, Map.of("tiny", model, "tiny2", model));
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    static URI uri(ModelServer s, String path) {
        return URI.create("http://127.0.0.1:" + s.port() + path);
    }

    static HttpResponse<String> post(String path, String type, byte[] body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(server, path)).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (type != null) b.header("Content-Type", type);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(server, path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The top-k of a response equals VisionModel.classify's on the same image. */
    static void assertSameTop(JsonNode got, int k) {
        Prediction want = model.classify(Images.decode(chelsea, "chelsea"), k);
        assertEquals(k, got.size(), got.toString());
        for (int i = 0; i < k; i++) {
            assertEquals(want.top().get(i).index(), got.get(i).get("index").asInt(), got.toString());
            assertEquals(want.top().get(i).name(), got.get(i).get("label").asText());
            assertEquals(want.top().get(i).probability(), got.get(i).get("probability").asDouble(), 1e-6);
        }
    }

    @Test
    void rawBodyAndMultipartGiveTheModelsTopK() throws Exception {
        HttpResponse<String> r = post("/predictions/tiny", "image/png", chelsea);
        assertEquals(200, r.statusCode(), r.body());
        assertSameTop(JSON.readTree(r.body()), 5);

        r = post("/predictions/tiny2?topk=3", null, chelsea);
        assertEquals(200, r.statusCode(), r.body());
        assertSameTop(JSON.readTree(r.body()), 3);

        String boundary = "cvtBoundary21";
        ByteArrayOutputStream form = new ByteArrayOutputStream();
        form.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"data\"; filename=\"chelsea.png\"\r\n"
                + "Content-Type: image/png\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        form.write(chelsea);
        form.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        r = post("/predictions/tiny?topk=2", "multipart/form-data; boundary=" + boundary, form.toByteArray());
        assertEquals(200, r.statusCode(), r.body());
        assertSameTop(JSON.readTree(r.body()), 2);
    }

    @Test
    void eachFaultIsItsOwnStatusAndTheRequestsAroundItAreUnaffected() throws Exception {
        byte[] broken = java.util.Arrays.copyOf(chelsea, 2000);
        List<CompletableFuture<HttpResponse<String>>> good = new ArrayList<>();
        for (int i = 0; i < 6; i++) good.add(async("/predictions/tiny", "image/png", chelsea));
        CompletableFuture<HttpResponse<String>> truncated = async("/predictions/tiny", "image/png", broken);
        CompletableFuture<HttpResponse<String>> notAnImage = async("/predictions/tiny", "image/jpeg", "hello".getBytes());
        CompletableFuture<HttpResponse<String>> empty = async("/predictions/tiny", "image/png", new byte[0]);
        CompletableFuture<HttpResponse<String>> wrongType = async("/predictions/tiny", "application/json", "{}".getBytes());
        CompletableFuture<HttpResponse<String>> unknown = async("/predictions/nope", "image/png", chelsea);
        CompletableFuture<HttpResponse<String>> tooBig = async("/predictions/tiny", "image/png", new byte[(1 << 20) + 1]);
        CompletableFuture<HttpResponse<String>> tooManyPixels = async("/predictions/tiny", "image/png", png(600, 600));
        CompletableFuture<HttpResponse<String>> badTopk = async("/predictions/tiny?topk=zero", "image/png", chelsea);
        for (CompletableFuture<HttpResponse<String>> g : good) {
            assertEquals(200, g.get().statusCode(), g.get().body());
            assertSameTop(JSON.readTree(g.get().body()), 5);
        }
        assertError(truncated.get(), 400, "truncated");
        assertError(notAnImage.get(), 400, "not an image");
        assertError(empty.get(), 400, "empty");
        assertError(wrongType.get(), 415, "application/json");
        assertError(unknown.get(), 404, "nope");
        assertEquals(413, tooBig.get().statusCode());
        assertError(tooManyPixels.get(), 413, "600x600");
        assertError(badTopk.get(), 400, "topk");
    }

    static void assertError(HttpResponse<String> r, int status, String fragment) throws IOException {
        assertEquals(status, r.statusCode(), r.body());
        JsonNode j = JSON.readTree(r.body());
        assertEquals(status, j.get("code").asInt());
        assertTrue(j.get("message").asText().contains(fragment), r.body());
    }

    static CompletableFuture<HttpResponse<String>> async(String path, String type, byte[] body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(server, path)).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (type != null) b.header("Content-Type", type);
        return http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static byte[] png(int w, int h) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB), "png", out);
        return out.toByteArray();
    }

    @Test
    void attentionGivesTheMapAndTheImageTheModelSaw() throws Exception {
        HttpResponse<String> r = post("/predictions/tiny/attention?topk=5", "image/png", chelsea);
        assertEquals(200, r.statusCode(), r.body());
        JsonNode j = JSON.readTree(r.body());
        assertSameTop(j.get("predictions"), 5);
        INDArray want = model.attention(Images.decode(chelsea, "chelsea")).slice(0).mean(0);
        assertEquals(want.size(0), j.get("attention").get("height").asLong());
        assertEquals(want.size(1), j.get("attention").get("width").asLong());
        // the map's ranking of cells is the model's (the response scales it to 0..1)
        double[] w = want.dup('c').data().asDouble();
        int argmax = 0;
        for (int i = 1; i < w.length; i++) if (w[i] > w[argmax]) argmax = i;
        assertEquals(1.0, j.get("attention").get("data").get(argmax).asDouble(), 1e-9);
        assertTrue(j.get("image").asText().startsWith("data:image/png;base64,"));
        byte[] view = java.util.Base64.getDecoder().decode(j.get("image").asText().substring("data:image/png;base64,".length()));
        assertEquals(model.eval().resizeAndCrop(Images.decode(chelsea, "c")), Images.decode(view, "view"));
    }

    @Test
    void openInferenceProtocol() throws Exception {
        assertEquals(200, get("/v2/health/live").statusCode());
        assertEquals(200, get("/v2/health/ready").statusCode());
        assertEquals(true, JSON.readTree(get("/v2/models/tiny/ready").body()).get("ready").asBoolean());
        JsonNode meta = JSON.readTree(get("/v2/models/tiny").body());
        assertEquals("tiny", meta.get("name").asText());
        assertEquals("[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[-1,3,64,64]}]", meta.get("inputs").toString());
        assertEquals("{\"name\":\"logits\",\"datatype\":\"FP32\",\"shape\":[-1,10]}", meta.get("outputs").get(0).toString());
        assertEquals("features", meta.get("outputs").get(1).get("name").asText());

        // the protocol document's request form: id, inputs (name, shape, datatype, data), outputs by name
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.randn(DataType.FLOAT, 2, 3, 64, 64);
        VisionModel.Output want = model.forward(x);
        String flat = JSON.writeValueAsString(x.dup('c').data().asFloat());
        String req = "{\"id\":\"42\",\"inputs\":[{\"name\":\"input\",\"shape\":[2,3,64,64],\"datatype\":\"FP32\",\"data\":" + flat
                + "}],\"outputs\":[{\"name\":\"logits\"}]}";
        HttpResponse<String> r = post("/v2/models/tiny/infer", "application/json", req.getBytes(StandardCharsets.UTF_8));
        assertEquals(200, r.statusCode(), r.body());
        JsonNode j = JSON.readTree(r.body());
        assertEquals("42", j.get("id").asText());
        assertEquals("tiny", j.get("model_name").asText());
        assertEquals(1, j.get("outputs").size());
        JsonNode logits = j.get("outputs").get(0);
        assertEquals("logits", logits.get("name").asText());
        assertEquals("[2,10]", logits.get("shape").toString());
        assertEquals("FP32", logits.get("datatype").asText());
        float[] w = want.logits().dup('c').data().asFloat();
        for (int i = 0; i < w.length; i++) assertEquals(w[i], logits.get("data").get(i).floatValue(), 1e-5, "logit " + i);

        // nested data (row-major), both outputs by default
        String nested = JSON.writeValueAsString(JSON.readTree(JSON.writeValueAsString(nested(x))));
        r = post("/v2/models/tiny/infer", "application/json",
                ("{\"inputs\":[{\"name\":\"input\",\"shape\":[2,3,64,64],\"datatype\":\"FP32\",\"data\":" + nested + "}]}")
                        .getBytes(StandardCharsets.UTF_8));
        assertEquals(200, r.statusCode(), r.body());
        j = JSON.readTree(r.body());
        assertEquals("[\"logits\",\"features\"]", JSON.writeValueAsString(List.of(j.get("outputs").get(0).get("name").asText(),
                j.get("outputs").get(1).get("name").asText())));
        float[] f = want.features().dup('c').data().asFloat();
        for (int i = 0; i < f.length; i++) assertEquals(f[i], j.get("outputs").get(1).get("data").get(i).floatValue(), 1e-5);

        // the error shape: {"error": "..."}
        assertV2Error(post("/v2/models/tiny/infer", "application/json", "{\"inputs\": [".getBytes()), 400, "malformed JSON");
        assertV2Error(post("/v2/models/tiny/infer", "application/json",
                "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,3,64,64],\"datatype\":\"INT64\",\"data\":[1]}]}".getBytes()), 400, "FP32");
        assertV2Error(post("/v2/models/tiny/infer", "application/json",
                "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,3,2,2],\"datatype\":\"FP32\",\"data\":[1,2,3]}]}".getBytes()), 400, "");
        assertV2Error(post("/v2/models/tiny/infer", "application/json",
                "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,3,64,64],\"datatype\":\"FP32\",\"data\":[1,2,3]}]}".getBytes()), 400, "values");
        assertV2Error(post("/v2/models/nope/infer", "application/json", "{}".getBytes()), 404, "nope");
        assertV2Error(get("/v2/models/nope"), 404, "nope");
    }

    /**
     * Triton's binary tensor data extension, as its clients send it by default: the JSON, then
     * the input's raw little-endian floats, the JSON's length in Inference-Header-Content-Length;
     * outputs asked for as binary come back after the JSON the same way.
     */
    @Test
    void tritonsBinaryTensorData() throws Exception {
        assertTrue(JSON.readTree(get("/v2").body()).get("extensions").toString().contains("binary_tensor_data"));
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.randn(DataType.FLOAT, 2, 3, 64, 64);
        VisionModel.Output want = model.forward(x);
        float[] in = x.dup('c').data().asFloat();
        java.nio.ByteBuffer data = java.nio.ByteBuffer.allocate(4 * in.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        data.asFloatBuffer().put(in);
        String header = "{\"inputs\":[{\"name\":\"input\",\"shape\":[2,3,64,64],\"datatype\":\"FP32\",\"parameters\":{\"binary_data_size\":"
                + 4 * in.length + "}}],\"outputs\":[{\"name\":\"logits\",\"parameters\":{\"binary_data\":true}},{\"name\":\"features\"}]}";
        HttpResponse<byte[]> r = postBinary(header, data.array(), null);
        assertEquals(200, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
        int jsonLength = Integer.parseInt(r.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
        JsonNode j = JSON.readTree(java.util.Arrays.copyOf(r.body(), jsonLength));
        JsonNode logits = j.get("outputs").get(0), features = j.get("outputs").get(1);
        assertEquals(80, logits.get("parameters").get("binary_data_size").asInt(), j.toString());
        assertNull(logits.get("data"), "binary: no JSON data");
        assertEquals(r.body().length, jsonLength + 80, "the logits' 2 x 10 floats after the JSON, nothing more");
        float[] got = new float[20];
        java.nio.ByteBuffer.wrap(r.body(), jsonLength, 80).order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(got);
        float[] w = want.logits().dup('c').data().asFloat();
        for (int i = 0; i < w.length; i++) assertEquals(w[i], got[i], 1e-5, "logit " + i);
        float[] f = want.features().dup('c').data().asFloat();
        for (int i = 0; i < f.length; i++) assertEquals(f[i], features.get("data").get(i).floatValue(), 1e-5, "feature " + i);

        // the request's binary_data_output: every output as binary, in the order asked
        String all = header.replace("\"outputs\":[{\"name\":\"logits\",\"parameters\":{\"binary_data\":true}},{\"name\":\"features\"}]",
                "\"parameters\":{\"binary_data_output\":true}");
        r = postBinary(all, data.array(), null);
        assertEquals(200, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
        jsonLength = Integer.parseInt(r.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
        assertEquals(jsonLength + 4 * (w.length + f.length), r.body().length);
        java.nio.FloatBuffer both = java.nio.ByteBuffer.wrap(r.body(), jsonLength, r.body().length - jsonLength)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        assertEquals(w[7], both.get(7), 1e-5);
        assertEquals(f[3], both.get(w.length + 3), 1e-5);

        // what is wrong is said
        HttpResponse<byte[]> short_ = postBinary(header, java.util.Arrays.copyOf(data.array(), 100), null);
        assertEquals(400, short_.statusCode());
        assertTrue(new String(short_.body(), StandardCharsets.UTF_8).contains("bytes follow the JSON"), new String(short_.body(), StandardCharsets.UTF_8));
        HttpResponse<byte[]> wrongSize = postBinary(header.replace(String.valueOf(4 * in.length), "12"), data.array(), null);
        assertEquals(400, wrongSize.statusCode());
        assertTrue(new String(wrongSize.body(), StandardCharsets.UTF_8).contains("needs " + 4 * in.length + " bytes"));
        HttpResponse<byte[]> badLength = postBinary(header, data.array(), "99999999");
        assertEquals(400, badLength.statusCode());
        assertTrue(new String(badLength.body(), StandardCharsets.UTF_8).contains("Inference-Header-Content-Length"));
    }

    /** A v2 request of JSON then binary data; {@code jsonLength} overrides the header's true value. */
    private static HttpResponse<byte[]> postBinary(String json, byte[] data, String jsonLength) throws Exception {
        byte[] head = json.getBytes(StandardCharsets.UTF_8);
        byte[] body = java.util.Arrays.copyOf(head, head.length + data.length);
        System.arraycopy(data, 0, body, head.length, data.length);
        HttpRequest req = HttpRequest.newBuilder(uri(server, "/v2/models/tiny/infer")).POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .header("Content-Type", "application/octet-stream")
                .header("Inference-Header-Content-Length", jsonLength != null ? jsonLength : String.valueOf(head.length)).build();
        return http.send(req, HttpResponse.BodyHandlers.ofByteArray());
    }

    static float[][][][] nested(INDArray x) {
        long[] s = x.shape();
        float[][][][] a = new float[(int) s[0]][(int) s[1]][(int) s[2]][(int) s[3]];
        for (int b = 0; b < s[0]; b++) for (int c = 0; c < s[1]; c++) for (int h = 0; h < s[2]; h++) for (int w = 0; w < s[3]; w++) {
            a[b][c][h][w] = x.getFloat(b, c, h, w);
        }
        return a;
    }

    static void assertV2Error(HttpResponse<String> r, int status, String fragment) throws IOException {
        assertEquals(status, r.statusCode(), r.body());
        JsonNode j = JSON.readTree(r.body());
        assertEquals(1, j.size(), r.body());
        assertTrue(j.get("error").asText().contains(fragment), r.body());
    }

    @Test
    void metricsAndPages() throws Exception {
        assertEquals(200, post("/predictions/tiny", "image/png", chelsea).statusCode());
        post("/predictions/tiny", "text/plain", "x".getBytes());
        HttpResponse<String> m = get("/metrics");
        assertEquals(200, m.statusCode());
        assertTrue(m.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
        String t = m.body();
        assertTrue(t.matches("(?s).*cvt_requests_total\\{model=\"tiny\",endpoint=\"predictions\",code=\"200\"} [1-9].*"), t);
        assertTrue(t.matches("(?s).*cvt_requests_total\\{model=\"tiny\",endpoint=\"predictions\",code=\"415\"} [1-9].*"), t);
        assertTrue(t.contains("# TYPE cvt_batch_size histogram"), t);
        assertTrue(t.contains("cvt_batch_size_bucket{model=\"tiny\",le=\"+Inf\"}"), t);
        assertTrue(t.contains("cvt_queue_depth{model=\"tiny\"} 0"), t);
        assertTrue(t.matches("(?s).*\nprocess_resident_memory_bytes [1-9][0-9]*\n.*"), t);
        assertTrue(t.contains("cvt_inference_duration_seconds_count{model=\"tiny\"}"), t);
        assertTrue(t.contains("cvt_preprocess_duration_seconds_count{model=\"tiny\"}"), t);
        assertTrue(t.contains("cvt_request_duration_seconds_bucket{model=\"tiny\",endpoint=\"predictions\",code=\"200\",le=\"0.005\"}"), t);
        HttpResponse<String> page = get("/");
        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("/predictions/"), page.body());
        assertEquals(2, JSON.readTree(get("/models").body()).get("models").size());
        assertEquals(404, get("/nothing").statusCode());
    }

    @Test
    void aClientThatHangsUpIsCountedAndOthersAreServed() throws Exception {
        try (ModelServer s = ModelServer.start(ServeConfig.defaults().withPort(0).withBatching(4, 300), Map.of("tiny", model))) {
            try (java.net.Socket socket = new java.net.Socket("127.0.0.1", s.port())) {
                var out = socket.getOutputStream();
                out.write(("POST /predictions/tiny HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: " + chelsea.length
                        + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(chelsea);
                out.flush();
                Thread.sleep(100); // accepted, waiting for its batch (300 ms)
            }
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri(s, "/predictions/tiny"))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(chelsea)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            assertSameTop(JSON.readTree(r.body()), 5);
            String t = http.send(HttpRequest.newBuilder(uri(s, "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(t.contains("cvt_requests_total{model=\"tiny\",endpoint=\"predictions\",code=\"499\"} 1"), t);
            assertTrue(t.contains("cvt_batch_size_sum{model=\"tiny\"} 1"), "the abandoned request is not run:\n" + t);
        }
    }

    @Test
    void overloadIsOnly200sAnd503sWithRetryAfter() throws Exception {
        ServeConfig c = ServeConfig.defaults().withPort(0).withBatching(2, 0).withQueue(2);
        try (ModelServer s = ModelServer.start(new ServeConfig(c.host(), 0, 2, 0, 2, 1, 30_000, 1 << 20, 1_000_000), Map.of("tiny", model))) {
            List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
            for (int i = 0; i < 48; i++) {
                all.add(http.sendAsync(HttpRequest.newBuilder(uri(s, "/predictions/tiny")).POST(HttpRequest.BodyPublishers.ofByteArray(chelsea))
                        .build(), HttpResponse.BodyHandlers.ofString()));
            }
            int ok = 0, busy = 0;
            for (CompletableFuture<HttpResponse<String>> f : all) {
                HttpResponse<String> r = f.get();
                if (r.statusCode() == 200) ok++;
                else {
                    assertEquals(503, r.statusCode(), r.body());
                    assertEquals("1", r.headers().firstValue("Retry-After").orElse(null));
                    busy++;
                }
            }
            System.out.println("overload: " + ok + " x 200, " + busy + " x 503");
            assertTrue(ok > 0 && busy > 0, ok + " x 200, " + busy + " x 503");
        }
    }

    /** Validation is 400 (HttpError, or a ZooException naming what the input got wrong); anything else escaping is a bug: 500. */
    @Test
    void anUnexpectedExceptionIsA500AndAZooExceptionA400() throws Exception {
        java.util.concurrent.atomic.AtomicReference<RuntimeException> next = new java.util.concurrent.atomic.AtomicReference<>();
        ServedModel.Engine own = ServedModel.Engine.of(model);
        ServedModel.Engine failing = new ServedModel.Engine() {
            @Override
            public INDArray preprocess(org.cvtzoo.core.image.RgbImage image) {
                return own.preprocess(image);
            }

            @Override
            public VisionModel.Output forward(INDArray batch) {
                RuntimeException e = next.getAndSet(null);
                if (e != null) throw e;
                return own.forward(batch);
            }
        };
        try (ModelServer s = ModelServer.start(ServeConfig.defaults().withPort(0), Map.of("tiny", model), m -> failing)) {
            HttpRequest predict = HttpRequest.newBuilder(uri(s, "/predictions/tiny")).POST(HttpRequest.BodyPublishers.ofByteArray(chelsea)).build();
            next.set(new IllegalArgumentException("an index out of its range"));
            HttpResponse<String> r = http.send(predict, HttpResponse.BodyHandlers.ofString());
            assertEquals(500, r.statusCode(), r.body());
            assertEquals(500, JSON.readTree(r.body()).get("code").asInt());
            assertTrue(r.body().contains("IllegalArgumentException") && !r.body().contains("out of its range"), r.body());

            next.set(new IllegalStateException("a bug"));
            String v2 = "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,3,64,64],\"datatype\":\"FP32\",\"data\":"
                    + JSON.writeValueAsString(new float[3 * 64 * 64]) + "}]}";
            r = http.send(HttpRequest.newBuilder(uri(s, "/v2/models/tiny/infer")).POST(HttpRequest.BodyPublishers.ofString(v2)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(500, r.statusCode(), r.body());
            assertTrue(JSON.readTree(r.body()).get("error").asText().contains("internal error"), r.body());

            next.set(new org.cvtzoo.core.ZooException("input must have 3 channels"));
            r = http.send(predict, HttpResponse.BodyHandlers.ofString());
            assertEquals(400, r.statusCode(), r.body());
            assertTrue(r.body().contains("3 channels"), r.body());

            r = http.send(predict, HttpResponse.BodyHandlers.ofString()); // and the server goes on
            assertEquals(200, r.statusCode(), r.body());
            assertSameTop(JSON.readTree(r.body()), 5);

            // a v2 shape of huge numbers is refused as such (no overflow into an allocation)
            r = http.send(HttpRequest.newBuilder(uri(s, "/v2/models/tiny/infer")).POST(HttpRequest.BodyPublishers.ofString(
                    "{\"inputs\":[{\"name\":\"input\",\"shape\":[4611686018427387904,3,64,64],\"datatype\":\"FP32\",\"data\":[1]}]}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(400, r.statusCode(), r.body());
            assertTrue(r.body().contains("more values than"), r.body());
        }
    }

    @Test
    void aRequestPastTheTimeoutIs504() throws Exception {
        try (ModelServer s = ModelServer.start(ServeConfig.defaults().withPort(0).withTimeoutMs(1), Map.of("tiny", model))) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri(s, "/predictions/tiny"))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(chelsea)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(504, r.statusCode(), r.body());
            assertTrue(r.body().contains("timeout"), r.body());
        }
    }

    @Test
    void shutdownFinishesAcceptedRequestsAndRefusesNewOnes() throws Exception {
        ModelServer s = ModelServer.start(ServeConfig.defaults().withPort(0).withBatching(2, 50), Map.of("tiny", model));
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            all.add(http.sendAsync(HttpRequest.newBuilder(uri(s, "/predictions/tiny")).POST(HttpRequest.BodyPublishers.ofByteArray(chelsea))
                    .build(), HttpResponse.BodyHandlers.ofString()));
        }
        // accepted and queued (batches of 2 every 50 ms), however slow the machine
        for (long end = System.nanoTime() + 10_000_000_000L; s.inFlight.get() < 8 && all.stream().noneMatch(CompletableFuture::isDone)
                && System.nanoTime() < end; ) {
            Thread.sleep(5);
        }
        s.shutdown(10_000);
        int ok = 0;
        for (CompletableFuture<HttpResponse<String>> f : all) {
            HttpResponse<String> r = f.get();
            assertTrue(r.statusCode() == 200 || r.statusCode() == 503, r.statusCode() + " " + r.body());
            if (r.statusCode() == 200) ok++;
        }
        assertTrue(ok > 0, "accepted requests are answered");
        HttpClient fresh = HttpClient.newHttpClient();
        assertTrue(org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                () -> fresh.send(HttpRequest.newBuilder(uri(s, "/ping")).build(), HttpResponse.BodyHandlers.ofString())) != null);
    }
}
