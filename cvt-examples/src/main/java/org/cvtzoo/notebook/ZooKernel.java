package org.cvtzoo.notebook;

import org.dflib.jjava.jupyter.channels.ShellReplyEnvironment;
import org.dflib.jjava.jupyter.kernel.BaseKernel;
import org.dflib.jjava.jupyter.kernel.JupyterIO;
import org.dflib.jjava.jupyter.kernel.LanguageInfo;
import org.dflib.jjava.jupyter.kernel.ReplacementOptions;
import org.dflib.jjava.jupyter.kernel.comm.CommManager;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.dflib.jjava.jupyter.kernel.display.Renderer;
import org.dflib.jjava.jupyter.kernel.util.StringStyler;
import org.dflib.jjava.jupyter.kernel.util.TextColor;
import org.dflib.jjava.jupyter.messages.Header;
import org.dflib.jjava.jupyter.messages.Message;
import org.dflib.jjava.jupyter.messages.reply.KernelInfoReply;
import org.dflib.jjava.jupyter.messages.request.KernelInfoRequest;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;

/**
 * The zoo's Jupyter kernel: Java cells (JShell, run in this JVM with the zoo, ND4J and its
 * natives on the class path), class-path magics, rich display of the zoo's values, completion,
 * inspection, interrupt, and errors as one line for the zoo's own ({@code error: ...}) or
 * Java's trace cut to the cells' frames otherwise; after any error the kernel goes on.
 */
public final class ZooKernel extends BaseKernel {
    public static final String NAME = "cvt-java";
    static final String VERSION = "0.1.0";

    private final CompletableFuture<JavaCells> cells;
    private final CellHistory history;
    private volatile Consumer<DisplayData> displayHook;

    public ZooKernel() {
        this(new CellHistory());
    }

    private ZooKernel(CellHistory history) {
        super(NAME, VERSION, language(), List.of(), history, new JupyterIO(StandardCharsets.UTF_8), new CommManager(),
                new Renderer(), null, null, false, styler());
        this.history = history;
        Displays.register(getRenderer());
        // JShell's compiler takes a second or two to warm up: started now, while Jupyter connects
        cells = CompletableFuture.supplyAsync(JavaCells::new);
    }

    private static LanguageInfo language() {
        return new LanguageInfo("java", Runtime.version().feature() + "", "text/x-java-source", ".jshell", "java", "java", "script");
    }

    private static StringStyler styler() {
        return new StringStyler.Builder().addPrimaryStyle(TextColor.RESET_FG).addSecondaryStyle(TextColor.RED_FG)
                .addHighlightStyle(TextColor.BOLD_RESET_FG).build();
    }

    JavaCells cells() {
        try {
            return cells.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while JShell started", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("JShell did not start: " + e.getCause(), e.getCause());
        }
    }

    @Override
    public String getBanner() {
        return "Java " + Runtime.version() + " (JShell) with the cvt-zoo vision transformers, ND4J and DL4J";
    }

    /**
     * Runs a cell: magic lines and Java in order; the value of a last expression is the cell's
     * result (null renders as "null"); a failure is thrown for Jupyter's error reply.
     */
    @Override
    public Object evalRaw(String code) {
        int count = Math.max(1, executionCount.get() - 1);
        JavaCells java = cells();
        Magics magics = new Magics(java);
        JavaCells.Result result = JavaCells.Result.NONE;
        try {
            for (CellText.Piece p : CellText.split(code)) {
                if (p.magic()) {
                    Object shown = magics.run(p.text());
                    result = shown == null ? JavaCells.Result.NONE : new JavaCells.Result(true, shown);
                } else {
                    result = java.run(p.text(), count, p.firstLine());
                }
            }
        } finally {
            System.out.flush();
            System.err.flush();
        }
        history.add(count, code, result.hasValue() ? String.valueOf(result.value()) : null);
        return result;
    }

    @Override
    public DisplayData eval(String code) {
        JavaCells.Result r = (JavaCells.Result) evalRaw(code);
        return r.hasValue() ? Displays.render(getRenderer(), r.value()) : null;
    }

    @Override
    public DisplayData inspect(String code, int at, boolean extraDetail) {
        String text = cells().inspect(code, at);
        return text == null ? null : new DisplayData(text);
    }

    @Override
    public ReplacementOptions complete(String code, int at) {
        String line = lineAt(code, at);
        if (line.stripLeading().startsWith("%") && !line.contains(" ")) {
            String typed = line.strip();
            List<String> names = Magics.NAMES.stream().filter(n -> n.startsWith(typed)).toList();
            return new ReplacementOptions(names, at - typed.length(), at);
        }
        JavaCells.Completion c = cells().complete(code, at);
        return new ReplacementOptions(c.matches(), c.start(), c.end());
    }

    private static String lineAt(String code, int at) {
        int start = code.lastIndexOf('\n', Math.max(0, at - 1)) + 1;
        return code.substring(start, Math.max(start, at));
    }

    @Override
    public String isComplete(String code) {
        return cells().isComplete(code);
    }

    /** Jupyter's interrupt (interrupt_mode "message"): the running cell is stopped, the kernel lives on. */
    @Override
    public void interrupt() {
        if (cells.isDone()) cells().stop();
    }

    /** The traceback lines of a failed cell: one red line for a user error, else a trace cut to the cells. */
    @Override
    public List<String> formatError(Throwable e) {
        List<String> lines = cells.isDone() ? cells().traceback(e) : null;
        if (lines != null) return lines;
        org.cvtzoo.core.ZooException zoo = JavaCells.zooError(e);
        if (zoo != null) return List.of(CellErrors.oneLine(zoo));
        List<String> out = new ArrayList<>();
        out.add(CellErrors.RED + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + CellErrors.RESET);
        StackTraceElement[] st = e.getStackTrace();
        for (int i = 0; i < Math.min(st.length, JavaCells.LIBRARY_FRAMES); i++) out.add("    at " + st[i]);
        return out;
    }

    @Override
    public void display(DisplayData data) {
        super.display(data);
        recordDisplay(data);
    }

    void recordDisplay(DisplayData data) {
        Consumer<DisplayData> hook = displayHook;
        if (hook != null) hook.accept(data);
    }

    /** For tests: sees every display_data and update the cells send. */
    void onDisplay(Consumer<DisplayData> hook) {
        displayHook = hook;
    }

    /** JJava 1.0-a6's kernel_info_reply lacks the "status" every reply has: this one says "ok". */
    static final class KernelInfo extends KernelInfoReply {
        @SuppressWarnings("unused") // serialized by Gson
        private final String status = "ok";

        KernelInfo(ZooKernel k) {
            super(Header.PROTOCOL_VERISON, k.getName(), k.getVersion(), k.getLanguageInfo(), k.getBanner(), k.getHelpLinks());
        }
    }

    @Override
    protected void handleKernelInfoRequest(ShellReplyEnvironment env, Message<KernelInfoRequest> request) {
        env.setBusyDeferIdle();
        env.reply(new KernelInfo(this));
    }

    @Override
    public void onShutdown(boolean restarting) {
        super.onShutdown(restarting);
        if (cells.isDone() && !cells.isCompletedExceptionally()) cells().close();
    }
}
