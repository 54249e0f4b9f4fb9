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
import org.dflib.jjava.jupyter.kernel.history.HistoryEntry;
import org.dflib.jjava.jupyter.kernel.history.HistoryManager;
import org.dflib.jjava.jupyter.messages.Header;
import org.dflib.jjava.jupyter.messages.Message;
import org.dflib.jjava.jupyter.messages.publish.PublishError;
import org.dflib.jjava.jupyter.messages.publish.PublishExecuteInput;
import org.dflib.jjava.jupyter.messages.publish.PublishExecuteResult;
import org.dflib.jjava.jupyter.messages.reply.ErrorReply;
import org.dflib.jjava.jupyter.messages.reply.ExecuteReply;
import org.dflib.jjava.jupyter.messages.reply.HistoryReply;
import org.dflib.jjava.jupyter.messages.reply.KernelInfoReply;
import org.dflib.jjava.jupyter.messages.request.ExecuteRequest;
import org.dflib.jjava.jupyter.messages.request.HistoryRequest;
import org.dflib.jjava.jupyter.messages.request.KernelInfoRequest;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
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
    private final CellIO cellIO;
    private volatile Consumer<DisplayData> displayHook;

    /** Jupyter's streams with the hooks to attach them to a request (protected in JJava's class). */
    private static final class CellIO extends JupyterIO {
        CellIO() {
            super(StandardCharsets.UTF_8);
        }

        void attach(ShellReplyEnvironment env, boolean stdin) {
            setEnv(env);
            setJupyterInEnabled(stdin);
        }

        void detach(ShellReplyEnvironment env) {
            retractEnv(env);
        }
    }

    public ZooKernel() {
        this(new CellHistory(), new CellIO());
    }

    private ZooKernel(CellHistory history, CellIO io) {
        super(NAME, VERSION, language(), List.of(), history, io, new CommManager(), new Renderer(), null, null, false, styler());
        this.history = history;
        this.cellIO = io;
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
        java.beginCell();
        try {
            for (CellText.Piece p : CellText.split(code)) {
                java.checkNotStopped();
                if (p.magic()) {
                    Object shown = magics.run(p.text());
                    result = shown == null ? JavaCells.Result.NONE : new JavaCells.Result(true, shown);
                } else {
                    result = java.run(p.text(), count, p.firstLine());
                }
            }
        } finally {
            java.endCell();
            System.out.flush();
            System.err.flush();
        }
        history.add(count, code, result.hasValue() ? String.valueOf(result.value()) : null);
        return result;
    }

    @Override
    public DisplayData eval(String code) {
        JavaCells.Result r = (JavaCells.Result) evalRaw(code);
        // a display handle (display(...) as a cell's last expression) shows nothing: what it displayed is shown
        if (!r.hasValue() || r.value() instanceof Notebook.DisplayHandle) return null;
        return Displays.render(getRenderer(), r.value());
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

    /**
     * Runs a cell for Jupyter, as JJava's handler does, but with the kernel's own error reply
     * (any throwable, Errors too, with its name, message and the lines {@link #formatError}
     * gives, the same in the reply and on iopub), and {@code silent} honoured.
     */
    @Override
    protected synchronized void handleExecuteRequest(ShellReplyEnvironment env, Message<ExecuteRequest> message) {
        commManager.setMessageContext(message);
        ExecuteRequest request = message.getContent();
        boolean silent = request.isSilent();
        int count = silent ? executionCount.get() : executionCount.getAndIncrement();
        env.setBusyDeferIdle();
        if (!silent) env.publish(new PublishExecuteInput(request.getCode(), count));
        replaceOutputStreams(env);
        cellIO.attach(env, request.isStdinEnabled());
        env.defer(() -> cellIO.detach(env));
        try {
            DisplayData out = eval(request.getCode());
            if (out != null && !silent) env.publish(new PublishExecuteResult(count, out));
            env.defer().reply(new ExecuteReply(count, java.util.Collections.emptyMap()));
        } catch (Throwable e) {
            List<String> traceback = formatError(e);
            String name = errorName(e), value = errorValue(e);
            ErrorReply error = new ErrorReply(name, value, traceback);
            error.setExecutionCount(count);
            env.publish(new PublishError(name, value, traceback));
            env.defer().replyError(ExecuteReply.MESSAGE_TYPE.error(), error);
        }
    }

    /** Jupyter's ename: the class's simple name (that of the error a cell threw, not of its wrapper). */
    static String errorName(Throwable e) {
        Throwable t = e instanceof CellErrors.UncaughtError && e.getCause() != null ? e.getCause() : e;
        return t.getClass().getSimpleName();
    }

    static String errorValue(Throwable e) {
        Throwable t = e instanceof CellErrors.UncaughtError && e.getCause() != null ? e.getCause() : e;
        String m = JavaCells.cleanMessage(t.getMessage());
        return m == null ? "" : m;
    }

    /** A history reply as the protocol has it (tuples, and a status), which JJava 1.0-a6 does not serialise. */
    static final class History extends HistoryReply {
        @SuppressWarnings("unused") // serialized by Gson
        private final String status = "ok";

        @SuppressWarnings({"unchecked", "rawtypes"})
        History(List<List<Object>> tuples) {
            super((List) tuples); // Gson writes each element by its own type: an array
        }
    }

    @Override
    protected void handleHistoryRequest(ShellReplyEnvironment env, Message<HistoryRequest> message) {
        HistoryRequest request = message.getContent();
        env.setBusyDeferIdle();
        Set<HistoryManager.ResultFlag> flags = EnumSet.noneOf(HistoryManager.ResultFlag.class);
        if (request.includeOutput()) flags.add(HistoryManager.ResultFlag.INCLUDE_OUTPUT);
        List<HistoryEntry> entries = switch (request.getAccessType()) {
            case TAIL -> history.lookupTail(((HistoryRequest.Tail) request).getMaxReturnLength(), flags);
            case RANGE -> {
                HistoryRequest.Range r = (HistoryRequest.Range) request;
                yield history.lookupRange(r.getSessionIndex(), r.getStart(), r.getStop(), flags);
            }
            case SEARCH -> {
                HistoryRequest.Search r = (HistoryRequest.Search) request;
                if (r.filterUnique()) flags.add(HistoryManager.ResultFlag.UNIQUE);
                yield history.search(r.getPattern(), r.getMaxReturnLength(), flags);
            }
        };
        List<List<Object>> tuples = new ArrayList<>();
        for (HistoryEntry h : entries) {
            tuples.add(List.of(h.getSession(), h.getCellNumber(), h.hasOutput() ? List.of(h.getInput(), h.getOutput()) : h.getInput()));
        }
        env.reply(new History(tuples));
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
