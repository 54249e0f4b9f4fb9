package org.cvtzoo.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.concurrent.ScheduledFuture;
import org.cvtzoo.core.image.RgbImage;
import org.cvtzoo.zoo.Prediction;
import org.cvtzoo.zoo.VisionModel;
import org.nd4j.linalg.api.ndarray.INDArray;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The routes, for one connection. Work that blocks (decoding, JSON parsing) runs on the server's
 * decoding threads, the forward pass on the model's batcher; responses go out in the order the
 * requests came (HTTP/1.1 pipelining), each request's own failure answered on its own.
 */
final class RequestHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] INDEX_PAGE = resource("index.html");

    private final ModelServer server;
    /** This connection's requests not yet answered, oldest first (touched on the event loop only). */
    private final ArrayDeque<Exchange> pending = new ArrayDeque<>();

    RequestHandler(ModelServer server) {
        this.server = server;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        Exchange ex = new Exchange(ctx, HttpUtil.isKeepAlive(req), req.uri().startsWith("/v2"));
        pending.add(ex);
        try {
            if (req.decoderResult().isFailure()) throw new HttpError(400, "malformed HTTP request");
            route(ctx, req, ex);
        } catch (HttpError e) {
            ex.fail(e);
        } catch (RuntimeException e) {
            ex.fail(e);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        // the client went away: its queued requests are dropped before they reach a batch
        for (Exchange ex : pending) ex.abandon();
        pending.clear();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close(); // a reset connection and the like: nothing to answer
    }

    private void route(ChannelHandlerContext ctx, FullHttpRequest req, Exchange ex) {
        QueryStringDecoder q = new QueryStringDecoder(req.uri());
        String[] p = q.path().replaceAll("/+$", "").split("/");
        String path = q.path();
        HttpMethod method = req.method();
        if (server.stopping()) throw new HttpError(503, "the server is shutting down", 1);
        if (path.equals("/") || path.equals("/index.html")) {
            get(method);
            ex.endpoint = "page";
            ex.respond(200, "text/html; charset=utf-8", INDEX_PAGE, 0);
        } else if (path.equals("/metrics")) {
            get(method);
            ex.endpoint = "metrics";
            String text = server.metrics.render(server.models.keySet(), m -> server.models.get(m).batcher.queueDepth(),
                    server.decoders.getQueue().size());
            ex.respond(200, "text/plain; version=0.0.4; charset=utf-8", text.getBytes(StandardCharsets.UTF_8), 0);
        } else if (path.equals("/ping")) {
            get(method);
            ex.endpoint = "ping";
            ex.json(200, JSON.createObjectNode().put("status", "Healthy"));
        } else if (path.equals("/models")) {
            get(method);
            ex.endpoint = "models";
            ArrayNode list = JSON.createArrayNode();
            for (ServedModel m : server.models.values()) list.add(describe(m));
            ex.json(200, JSON.createObjectNode().set("models", list));
        } else if (p.length >= 3 && p.length <= 4 && p[1].equals("predictions")) {
            post(method);
            boolean attention = p.length == 4;
            if (attention && !p[3].equals("attention")) throw new HttpError(404, "no such endpoint: " + path);
            ex.endpoint = attention ? "attention" : "predictions";
            ServedModel m = model(p[2], ex);
            predict(ctx, req, q, ex, m, attention);
        } else if (p.length >= 2 && p[1].equals("v2")) {
            v2(ctx, req, p, ex);
        } else {
            ex.endpoint = "other";
            throw new HttpError(404, "no such endpoint: " + path);
        }
    }

    private ServedModel model(String name, Exchange ex) {
        ServedModel m = server.models.get(name);
        if (m == null) throw new HttpError(404, "no model named '" + name + "' (served: " + String.join(", ", server.models.keySet()) + ")");
        ex.model = name;
        return m;
    }

    private static void get(HttpMethod m) {
        if (!m.equals(HttpMethod.GET)) throw new HttpError(405, "use GET");
    }

    private static void post(HttpMethod m) {
        if (!m.equals(HttpMethod.POST) && !m.equals(HttpMethod.PUT)) throw new HttpError(405, "use POST");
    }

    private ObjectNode describe(ServedModel m) {
        ObjectNode n = JSON.createObjectNode().put("name", m.name).put("architecture", m.model.architecture().name())
                .put("classes", m.classes).put("height", m.height).put("width", m.width)
                .put("attention", m.attentionHeads > 0);
        return n;
    }

    /** {@code /predictions/{model}[/attention]}: decode, preprocess, batch, top-k (and the attention map). */
    private void predict(ChannelHandlerContext ctx, FullHttpRequest req, QueryStringDecoder q, Exchange ex, ServedModel m,
                         boolean attention) {
        int topk = topk(q, m.classes);
        if (attention && m.attentionHeads == 0) throw new HttpError(400, "model " + m.name + " has no attention map");
        rejectIfFull(m);
        byte[] bytes = ImageInput.bytes(req);
        ex.startTimer();
        offload(ex, m, () -> {
            if (m.batcher.queueFull()) throw busy(m); // it filled while this request waited: no decoding for a 503
            long start = System.nanoTime();
            RgbImage img = ImageInput.decode(bytes, server.config.maxPixels());
            RgbImage view = attention ? m.model.eval().resizeAndCrop(img) : null;
            INDArray input = m.engine.preprocess(img);
            server.metrics.preprocess(m.name, (System.nanoTime() - start) / 1e9);
            Batcher.Job job = m.batcher.submit(input);
            ex.await(job, out -> {
                ObjectNode body = JSON.createObjectNode();
                body.set("predictions", top(m.model.predictions(out.logits(), topk).get(0)));
                if (!attention) return body.get("predictions");
                body.set("attention", attentionMap(out.attention()));
                body.put("image", "data:image/png;base64," + Base64.getEncoder().encodeToString(png(view)));
                return body;
            });
        });
    }

    private static int topk(QueryStringDecoder q, int classes) {
        List<String> v = q.parameters().get("topk");
        if (v == null || v.isEmpty()) return Math.min(5, classes);
        try {
            int k = Integer.parseInt(v.get(0));
            if (k < 1) throw new NumberFormatException();
            return Math.min(k, classes);
        } catch (NumberFormatException e) {
            throw new HttpError(400, "topk must be a positive integer, got '" + v.get(0) + "'");
        }
    }

    private static ArrayNode top(Prediction p) {
        ArrayNode a = JSON.createArrayNode();
        for (Prediction.Label l : p.top()) a.addObject().put("index", l.index()).put("label", l.name()).put("probability", l.probability());
        return a;
    }

    /** The map of one image {@code [1, heads, h, w]}, averaged over the heads and scaled to 0..1. */
    private static ObjectNode attentionMap(INDArray attention) {
        INDArray map = attention.slice(0).mean(0);
        double min = map.minNumber().doubleValue(), max = map.maxNumber().doubleValue();
        ObjectNode n = JSON.createObjectNode().put("height", map.size(0)).put("width", map.size(1));
        ArrayNode data = n.putArray("data");
        for (double v : map.dup('c').data().asDouble()) data.add(max > min ? (v - min) / (max - min) : 0);
        return n;
    }

    private static byte[] png(RgbImage img) {
        BufferedImage b = new BufferedImage(img.width(), img.height(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < img.height(); y++) {
            for (int x = 0; x < img.width(); x++) b.setRGB(x, y, img.get(x, y, 0) << 16 | img.get(x, y, 1) << 8 | img.get(x, y, 2));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(b, "png", out);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    /** The Open Inference Protocol's routes. */
    private void v2(ChannelHandlerContext ctx, FullHttpRequest req, String[] p, Exchange ex) {
        HttpMethod method = req.method();
        ex.endpoint = "v2";
        if (p.length == 2) {
            get(method);
            ex.json(200, OpenInference.serverMetadata(ModelServer.VERSION));
        } else if (p.length == 4 && p[2].equals("health") && (p[3].equals("live") || p[3].equals("ready"))) {
            get(method);
            ex.endpoint = "v2-health";
            // the protocol: 200 means true, a 4xx false (ready is false while shutting down, which answered above)
            ex.json(200, JSON.createObjectNode().put(p[3], true));
        } else if (p.length >= 4 && p[2].equals("models")) {
            ServedModel m = model(p[3], ex);
            String rest = p.length == 4 ? "" : String.join("/", java.util.Arrays.copyOfRange(p, 4, p.length));
            if (rest.startsWith("versions/1")) rest = rest.substring("versions/1".length()).replaceFirst("^/", "");
            else if (rest.startsWith("versions/")) throw new HttpError(404, "model " + m.name + " has only version 1");
            switch (rest) {
                case "" -> {
                    get(method);
                    ex.endpoint = "v2-metadata";
                    ex.json(200, OpenInference.modelMetadata(m));
                }
                case "ready" -> {
                    get(method);
                    ex.endpoint = "v2-ready";
                    ex.json(200, JSON.createObjectNode().put("name", m.name).put("ready", true));
                }
                case "infer" -> {
                    post(method);
                    ex.endpoint = "v2-infer";
                    rejectIfFull(m);
                    byte[] body = ByteBufUtil.getBytes(req.content());
                    String jsonLength = req.headers().get(OpenInference.HEADER_LENGTH);
                    ex.startTimer();
                    offload(ex, m, () -> {
                        OpenInference.Request r = OpenInference.parse(body, jsonLength, m);
                        Batcher.Job job = m.batcher.submit(r.input());
                        ex.awaitThen(job, out -> ex.inference(OpenInference.response(m, r, out)));
                    });
                }
                default -> throw new HttpError(404, "no such endpoint: " + req.uri());
            }
        } else {
            throw new HttpError(404, "no such endpoint: " + req.uri());
        }
    }

    /** 503 before copying the body, where the request would find a full queue anyway (cheap answers under overload). */
    private void rejectIfFull(ServedModel m) {
        if (server.decoders.getQueue().remainingCapacity() == 0 || m.batcher.queueFull()) throw busy(m);
    }

    private static HttpError busy(ServedModel m) {
        return new HttpError(503, "model " + m.name + " is busy: its queue is full; try again", 1);
    }

    /**
     * Runs {@code work} (which submits to {@code m}'s batcher) on a decoding thread, counted as
     * coming to {@code m}'s batch until it is queued or fails; 503 where the threads are all busy
     * and their queue is full.
     */
    private void offload(Exchange ex, ServedModel m, Runnable work) {
        m.batcher.decoding();
        try {
            server.decoders.execute(() -> {
                try {
                    if (ex.isAnswered()) return; // timed out or abandoned while waiting
                    server.gate.awaitRunningPasses();
                    if (ex.isAnswered()) return;
                    work.run();
                } catch (RuntimeException | OutOfMemoryError e) {
                    ex.fail(e);
                } catch (InterruptedException e) { // shutdownNow
                    ex.fail(new HttpError(503, "the server is shutting down", 1));
                } finally {
                    m.batcher.decoded();
                }
            });
        } catch (RejectedExecutionException e) {
            m.batcher.decoded();
            throw new HttpError(503, "the server is busy: " + server.decoders.getQueue().size() + " requests wait for decoding; try again", 1);
        }
    }

    private static byte[] resource(String name) {
        try (InputStream in = RequestHandler.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("missing resource " + name);
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One request: answered once (by its result, its failure, its timeout), in its connection's order. */
    private final class Exchange {
        final ChannelHandlerContext ctx;
        final boolean keepAlive, v2;
        final long start = System.nanoTime();
        String model = "", endpoint = "other";
        private volatile boolean answered;
        private FullHttpResponse response;
        private ScheduledFuture<?> timer;
        private volatile Batcher.Job job;

        Exchange(ChannelHandlerContext ctx, boolean keepAlive, boolean v2) {
            this.ctx = ctx;
            this.keepAlive = keepAlive;
            this.v2 = v2;
            server.inFlight.incrementAndGet();
        }

        boolean isAnswered() {
            return answered;
        }

        void startTimer() {
            long ms = server.config.timeoutMs();
            timer = ctx.executor().schedule(() -> fail(new HttpError(504, "no answer within the server's timeout of " + ms + " ms")),
                    ms, TimeUnit.MILLISECONDS);
        }

        /** Waits for the job's rows (off the event loop's back), then answers with {@code body}'s JSON. */
        void await(Batcher.Job j, java.util.function.Function<VisionModel.Output, JsonNode> body) {
            awaitThen(j, out -> json(200, body.apply(out)));
        }

        /** Waits for the job's rows (off the event loop's back), then has {@code answer} answer with them. */
        void awaitThen(Batcher.Job j, java.util.function.Consumer<VisionModel.Output> answer) {
            job = j;
            if (answered) j.result.cancel(false);
            j.result.whenCompleteAsync((out, err) -> {
                if (err != null) fail(err);
                else {
                    try {
                        answer.accept(out);
                    } catch (RuntimeException e) {
                        fail(e);
                    } finally { // this request's rows, off the heap: freed now rather than whenever the collector runs
                        Batcher.free(out.logits());
                        Batcher.free(out.features());
                        Batcher.free(out.attention());
                    }
                }
            }, ctx.executor());
        }

        /** The connection closed: nothing can be answered; a queued job is dropped from its batch. */
        void abandon() {
            if (answered) return;
            answered = true;
            cancelWork();
            server.metrics.request(model, endpoint, 499, seconds()); // nginx's "client closed request"
            server.inFlight.decrementAndGet();
        }

        void json(int status, JsonNode body) {
            respond(status, "application/json", bytes(body), 0);
        }

        /** A v2 inference answer: JSON alone, or JSON then the binary outputs' data, its length in a header. */
        void inference(OpenInference.Response r) {
            byte[] json = bytes(r.json());
            if (r.binary().length == 0) {
                respond(200, "application/json", json, 0);
                return;
            }
            byte[] body = java.util.Arrays.copyOf(json, json.length + r.binary().length);
            System.arraycopy(r.binary(), 0, body, json.length, r.binary().length);
            respond(200, "application/octet-stream", body, 0, json.length);
        }

        void fail(Throwable t) {
            if (answered) return; // e.g. the cancellation of an abandoned or timed-out request's job
            while ((t instanceof CompletionException || t instanceof java.util.concurrent.ExecutionException) && t.getCause() != null) {
                t = t.getCause();
            }
            HttpError e;
            if (t instanceof HttpError h) e = h;
            else if (t instanceof CancellationException) e = new HttpError(503, "the request was cancelled", 1);
            else if (t instanceof OutOfMemoryError) e = new HttpError(503, "out of memory: " + t.getMessage(), 1);
            // the zoo's own errors name what the input got wrong (e.g. a shape the model cannot take); anything
            // else that escapes is a bug of the server or the model, not of the request
            else if (t instanceof org.cvtzoo.core.ZooException) e = new HttpError(400, t.getMessage());
            else e = new HttpError(500, "internal error (" + t.getClass().getSimpleName() + "); the server's log has the details");
            if (!(t instanceof HttpError || t instanceof CancellationException)) { // what went wrong inside, for the operator
                System.err.println("cvt serve: " + model + " " + endpoint + ": " + e.status + " from " + t);
                if (e.status == 500) t.printStackTrace();
            }
            ObjectNode body = v2 ? OpenInference.error(e.getMessage())
                    : JSON.createObjectNode().put("code", e.status).put("message", e.getMessage());
            respond(e.status, "application/json", bytes(body), e.retryAfter);
        }

        void respond(int status, String type, byte[] body, int retryAfter) {
            respond(status, type, body, retryAfter, -1);
        }

        /**
         * Answers once; from any thread (the write happens on the connection's event loop).
         * {@code jsonLength}, where not -1, is where a v2 answer's JSON ends and its binary data begins.
         */
        void respond(int status, String type, byte[] body, int retryAfter, int jsonLength) {
            if (!ctx.executor().inEventLoop()) {
                try {
                    ctx.executor().execute(() -> respond(status, type, body, retryAfter, jsonLength));
                } catch (RejectedExecutionException closed) { // the server stopped past its grace period
                    server.inFlight.decrementAndGet();
                }
                return;
            }
            if (answered) return;
            answered = true;
            cancelWork();
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
                    Unpooled.wrappedBuffer(body));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, type).setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
            if (retryAfter > 0) r.headers().setInt(HttpHeaderNames.RETRY_AFTER, retryAfter);
            if (jsonLength >= 0) r.headers().setInt(OpenInference.HEADER_LENGTH, jsonLength);
            boolean keep = keepAlive && !server.stopping();
            r.headers().set(HttpHeaderNames.CONNECTION, keep ? HttpHeaderValues.KEEP_ALIVE : HttpHeaderValues.CLOSE);
            response = r;
            server.metrics.request(model, endpoint, status, seconds());
            server.inFlight.decrementAndGet();
            flushInOrder();
        }

        private void cancelWork() {
            if (timer != null) timer.cancel(false);
            Batcher.Job j = job;
            if (j != null) j.result.cancel(false);
        }

        private double seconds() {
            return (System.nanoTime() - start) / 1e9;
        }
    }

    private static byte[] bytes(JsonNode n) {
        try {
            return JSON.writeValueAsBytes(n);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes the answered responses at the head of the connection's queue. */
    private void flushInOrder() {
        while (!pending.isEmpty() && pending.peek().response != null) {
            Exchange ex = pending.poll();
            boolean close = !HttpHeaderValues.KEEP_ALIVE.contentEqualsIgnoreCase(ex.response.headers().get(HttpHeaderNames.CONNECTION));
            var written = ex.ctx.writeAndFlush(ex.response);
            if (close) {
                written.addListener(ChannelFutureListener.CLOSE);
                for (Exchange rest : pending) rest.abandon();
                pending.clear();
            }
        }
    }
}
