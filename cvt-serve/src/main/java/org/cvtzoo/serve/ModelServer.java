package org.cvtzoo.serve;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import org.cvtzoo.core.ZooException;
import org.cvtzoo.zoo.VisionModel;

import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * An HTTP inference server for one or more {@link VisionModel}s, on Netty: TorchServe's
 * {@code POST /predictions/{model}}, the Open Inference Protocol ({@code /v2/...}),
 * {@code /metrics} and a web page at {@code /}. Requests are batched per model
 * ({@link Batcher}); images are decoded on {@code threads} threads; the event loops only move bytes.
 *
 * <pre>{@code
 * try (ModelServer s = ModelServer.start(ServeConfig.defaults(), Map.of("cvt13", model))) {
 *     s.awaitShutdown();
 * }
 * }</pre>
 */
public final class ModelServer implements AutoCloseable {
    static final String VERSION = "0.1.0";

    final ServeConfig config;
    final Metrics metrics;
    final Map<String, ServedModel> models;
    /** Decodes and preprocesses images, parses v2 JSON; bounded, past it 503. */
    final ThreadPoolExecutor decoders;
    /** Decoding waits for the forward passes running when it comes (see {@link ForwardGate}). */
    final ForwardGate gate = new ForwardGate();
    final AtomicInteger inFlight = new AtomicInteger();
    private final EventLoopGroup acceptor, io;
    private final Channel listening;
    private volatile boolean stopping;
    private final Object stopped = new Object();
    private boolean closed;

    private ModelServer(ServeConfig config, Map<String, VisionModel> models, Function<VisionModel, ServedModel.Engine> engines) {
        this.config = config;
        this.metrics = new Metrics(config.maxBatch());
        this.models = new LinkedHashMap<>();
        models.forEach((name, m) -> this.models.put(name, new ServedModel(name, m, engines.apply(m), config, metrics, gate)));
        decoders = new ThreadPoolExecutor(config.threads(), config.threads(), 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(config.queue()), r -> {
                    Thread t = new Thread(r, "cvt-decode");
                    t.setDaemon(true);
                    return t;
                });
        acceptor = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        io = new MultiThreadIoEventLoopGroup(Math.min(2, config.threads()), NioIoHandler.newFactory());
        try {
            listening = new ServerBootstrap().group(acceptor, io).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new HttpServerCodec(), new Aggregator(), new RequestHandler(ModelServer.this));
                        }
                    })
                    .bind(config.host(), config.port()).sync().channel();
        } catch (Exception e) { // a BindException, an unknown host
            shutdownNow();
            throw new ZooException("cannot listen on " + config.host() + ":" + config.port() + " (" + e.getMessage() + ")", e);
        } catch (Throwable t) {
            shutdownNow();
            throw t;
        }
    }

    /**
     * Starts serving {@code models} (URL name to model), each checked with one forward pass first.
     *
     * @throws ZooException if a model cannot serve images or the address cannot be bound
     */
    public static ModelServer start(ServeConfig config, Map<String, VisionModel> models) {
        return start(config, models, ServedModel.Engine::of);
    }

    /** As {@link #start(ServeConfig, Map)}, each model run by {@code engines}' engine for it (tests: a stub of known timings). */
    static ModelServer start(ServeConfig config, Map<String, VisionModel> models, Function<VisionModel, ServedModel.Engine> engines) {
        if (models.isEmpty()) throw new ZooException("no model to serve");
        for (String name : models.keySet()) {
            if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
                throw new ZooException("model name '" + name + "' must be letters, digits, '.', '_' or '-' (it goes in URLs)");
            }
        }
        return new ModelServer(config, models, engines);
    }

    /** The port it listens on (the one chosen where the configuration said 0). */
    public int port() {
        return ((InetSocketAddress) listening.localAddress()).getPort();
    }

    boolean stopping() {
        return stopping;
    }

    /**
     * Graceful shutdown: stops accepting connections, answers new requests on open connections
     * 503, finishes the accepted ones (waiting up to {@code waitMs}), then closes.
     */
    public void shutdown(long waitMs) {
        synchronized (stopped) {
            if (closed) return;
            stopping = true;
        }
        long deadline = System.currentTimeMillis() + waitMs;
        listening.close().awaitUninterruptibly(Math.max(1, waitMs));
        try {
            // the accepted requests go on: decoded, then batched, then answered
            decoders.shutdown();
            decoders.awaitTermination(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
            for (ServedModel m : models.values()) m.batcher.drain(Math.max(1, deadline - System.currentTimeMillis()));
            while (inFlight.get() > 0 && System.currentTimeMillis() < deadline) Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        shutdownNow();
    }

    private void shutdownNow() {
        synchronized (stopped) {
            if (closed) return;
            closed = true;
            stopping = true;
            stopped.notifyAll();
        }
        if (models != null) models.values().forEach(ServedModel::close);
        if (decoders != null) decoders.shutdownNow();
        acceptor.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        io.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2000);
    }

    /** Blocks until the server is shut down (by {@link #shutdown} from another thread, e.g. a SIGTERM hook). */
    public void awaitShutdown() throws InterruptedException {
        synchronized (stopped) {
            while (!closed) stopped.wait();
        }
    }

    @Override
    public void close() {
        shutdown(config.timeoutMs());
    }

    /** Netty's aggregation of a request's body up to the limit; counts the 413s it answers itself. */
    private final class Aggregator extends HttpObjectAggregator {
        Aggregator() {
            super(config.maxBodyBytes());
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) throws Exception {
            metrics.request("", "body-too-large", 413, 0);
            super.handleOversizedMessage(ctx, oversized);
        }
    }
}
