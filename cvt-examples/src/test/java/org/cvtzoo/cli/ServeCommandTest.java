package org.cvtzoo.cli;

import org.cvtzoo.serve.ModelServer;
import org.cvtzoo.serve.ServeConfig;
import org.cvtzoo.zoo.ModelFile;
import org.cvtzoo.zoo.ModelRequest;
import org.cvtzoo.zoo.VisionModel;
import org.cvtzoo.zoo.Zoo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** bin/cvt serve's start-up errors: one line, exit status 2 (the server itself: cvt-serve's tests). */
class ServeCommandTest {
    @TempDir
    Path tmp;

    @RegisterExtension
    final CliRun cli = new CliRun();

    private void assertStartupError(String fragment, Object... args) {
        int status = cli.run(args);
        String e = cli.stderr();
        assertEquals(2, status, e);
        assertTrue(e.startsWith("error: ") && e.contains(fragment), e);
        assertFalse(e.contains("\tat "), e);
        assertTrue(e.strip().lines().count() <= 2, e); // the error, and picocli's "see --help" for a bad option
    }

    @Test
    void unusableModelFileOrPortIsOneLineAndExit2() throws Exception {
        Path modelFile = tmp.resolve("tiny.safetensors");
        ModelFile.save(new VisionModel(Zoo.architecture(CliTest.TINY.resolve("spec.json"), null)), modelFile);

        assertStartupError("no such file", "serve", "--model-file", tmp.resolve("missing.safetensors"));
        assertStartupError("not a model file", "serve", "--model", "t=" + CliTest.TINY.resolve("model.pth"));
        assertStartupError("port must be", "serve", "--model-file", modelFile, "--port", 70000);
        assertStartupError("give a model", "serve");
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertStartupError("cannot listen on 127.0.0.1:" + taken.getLocalPort(), "serve", "--model-file", modelFile,
                    "--port", taken.getLocalPort());
        }
    }

    /** --config: several models in one JSON file (paths relative to it), each checked as the options are. */
    @Test
    void aConfigFileNamesSeveralModels() throws Exception {
        VisionModel tiny = new VisionModel(Zoo.architecture(CliTest.TINY.resolve("spec.json"), null));
        Path sub = Files.createDirectories(tmp.resolve("sub"));
        ModelFile.save(tiny, tmp.resolve("a.safetensors"));
        ModelFile.save(tiny, sub.resolve("b.safetensors"));
        Path config = sub.resolve("models.json");
        Files.writeString(config, "{\"models\": {\"a\": {\"model_file\": \"../a.safetensors\"}, \"b\": {\"model_file\": \"b.safetensors\"},"
                + " \"c\": {\"spec\": \"" + CliTest.TINY.resolve("spec.json").toAbsolutePath() + "\", \"weights\": \""
                + CliTest.TINY.resolve("model.pth").toAbsolutePath() + "\"}}}");
        Map<String, ModelRequest> requests = ServeCommand.readConfig(config);
        assertEquals(List.of("a", "b", "c"), List.copyOf(requests.keySet()));
        assertEquals(tmp.resolve("a.safetensors").toAbsolutePath().normalize(), Path.of(requests.get("a").modelFile()).normalize());
        Map<String, VisionModel> models = new LinkedHashMap<>();
        requests.forEach((name, r) -> models.put(name, r.load()));
        try (ModelServer s = ModelServer.start(ServeConfig.defaults().withPort(0), models)) {
            HttpClient http = HttpClient.newHttpClient();
            for (String name : List.of("a", "b", "c")) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/v2/models/" + name + "/ready"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), r.body());
            }
        }

        Path bad = tmp.resolve("bad.json");
        assertStartupError("--config " + bad + ": no such file", "serve", "--config", bad);
        Files.writeString(bad, "{\"models\": {\"a\": ");
        assertStartupError("not valid JSON", "serve", "--config", bad);
        Files.writeString(bad, "{\"models\": {\"a\": {\"file\": \"a.safetensors\"}}}");
        assertStartupError("model a: unknown key 'file'", "serve", "--config", bad);
        Files.writeString(bad, "{\"models\": {\"a\": {\"model\": \"cvt-13\"}}}");
        assertStartupError("model a: give --weights FILE or --pretrained", "serve", "--config", bad);
        Files.writeString(bad, "{\"models\": {\"a\": {\"model_file\": \"missing.safetensors\"}}}");
        assertStartupError("missing.safetensors", "serve", "--config", bad);
        Files.writeString(bad, "{\"servers\": {}}");
        assertStartupError("expected {\"models\"", "serve", "--config", bad);
        assertStartupError("two models named a", "serve", "--config", config, "--model", "a=" + tmp.resolve("a.safetensors"));
    }
}
