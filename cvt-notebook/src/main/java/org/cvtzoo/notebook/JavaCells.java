package org.cvtzoo.notebook;

import jdk.jshell.DeclarationSnippet;
import jdk.jshell.Diag;
import jdk.jshell.EvalException;
import jdk.jshell.JShell;
import jdk.jshell.JShellException;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.UnresolvedReferenceException;
import jdk.jshell.VarSnippet;
import org.cvtzoo.core.ZooException;

import java.io.File;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Java cells on JShell, executed in this JVM ({@link InProcessExecution}): a cell is cut into
 * snippets, which run in order until one fails; the value of a cell that ends with an
 * expression is kept as the object it is. Also completion, inspection and completeness as
 * JShell's source analysis gives them.
 */
final class JavaCells implements AutoCloseable {
    /**
     * Imported into every session: JShell's own default imports, the zoo's public API (as the
     * README lists it), ND4J's array and factory, and the notebook helpers.
     */
    static final List<String> IMPORTS = List.of(
            "java.io.*", "java.math.*", "java.net.*", "java.nio.file.*", "java.util.*", "java.util.concurrent.*",
            "java.util.function.*", "java.util.regex.*", "java.util.stream.*",
            "org.cvtzoo.zoo.*", "org.cvtzoo.zoo.train.*", "org.cvtzoo.zoo.spec.*", "org.cvtzoo.zoo.dl4j.*",
            "org.cvtzoo.core.ZooException", "org.cvtzoo.core.image.*", "org.cvtzoo.core.data.*", "org.cvtzoo.core.weights.*",
            "org.nd4j.linalg.api.ndarray.INDArray", "org.nd4j.linalg.factory.Nd4j",
            "org.cvtzoo.notebook.Table", "org.cvtzoo.notebook.TrainingChart", "static org.cvtzoo.notebook.Notebook.*");
    /** Library frames shown above the first frame of a cell in a trace. */
    static final int LIBRARY_FRAMES = 8;

    /** A cell's outcome: whether it ended with an expression, and its value. */
    record Result(boolean hasValue, Object value) {
        static final Result NONE = new Result(false, null);
    }

    /** Where a snippet came from: the cell's execution count and the cell line it starts on. */
    private record Place(int count, int line) {
    }

    private final InProcessExecution control = new InProcessExecution();
    private final JShell shell;
    private final SourceCodeAnalysis analysis;
    private final Set<String> classPath = new LinkedHashSet<>();
    private final Map<String, Place> places = new HashMap<>();
    private Throwable lastFailure;
    private List<String> lastFailureLines = List.of();

    JavaCells() {
        shell = JShell.builder().executionEngine(InProcessExecution.provider(control), Map.of()).build();
        analysis = shell.sourceCodeAnalysis();
        // the compiler sees the kernel's class path (the classes themselves come from this JVM's loader, which
        // the snippets' loader asks first)
        for (String entry : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
            if (!entry.isEmpty()) shell.addToClasspath(entry);
        }
        for (String i : IMPORTS) {
            for (SnippetEvent e : shell.eval("import " + i + ";")) {
                if (e.status() == Snippet.Status.REJECTED) {
                    throw new IllegalStateException("cannot import " + i + ": " + diagnostics(e.snippet(), "import " + i + ";", 0));
                }
            }
        }
    }

    /** Adds a jar or folder to what cells compile against and load from. */
    void addToClasspath(String path) {
        if (classPath.add(path)) shell.addToClasspath(path);
    }

    /** What {@link #addToClasspath} added, in order. */
    List<String> addedClasspath() {
        return List.copyOf(classPath);
    }

    /** Stops the running cell (see {@link InProcessExecution#stop()}); returns at once. */
    void stop() {
        control.stop();
    }

    /** A cell starts (its magics and Java): from now until {@link #endCell()} a {@link #stop()} ends it. */
    void beginCell() {
        control.beginCell();
    }

    void endCell() {
        control.endCell();
    }

    /** Throws {@link CellErrors.Interrupted} if the cell was stopped: before each of its snippets and magics. */
    void checkNotStopped() {
        if (control.stopRequested()) throw interrupted();
    }

    /**
     * Runs Java code (no magics) that starts on line {@code firstLine} of cell {@code count}.
     *
     * @throws CellErrors.CompilationException when a snippet does not compile (those before it ran)
     * @throws CellErrors.Interrupted          when a snippet was stopped
     * @throws RuntimeException                what a snippet threw (an {@link CellErrors.UncaughtError} for an Error)
     */
    Result run(String code, int count, int firstLine) {
        lastFailure = null;
        Result result = Result.NONE;
        String rest = code;
        int consumed = 0;
        while (!rest.isBlank()) {
            checkNotStopped();
            SourceCodeAnalysis.CompletionInfo ci = analysis.analyzeCompletion(rest);
            String source;
            int length;
            switch (ci.completeness()) {
                case COMPLETE, COMPLETE_WITH_SEMI -> {
                    source = ci.source();
                    length = rest.length() - ci.remaining().length();
                }
                case EMPTY -> {
                    return result;
                }
                // incomplete or not Java: compiled as it is, so that the compiler says what is wrong
                default -> {
                    source = rest;
                    length = rest.length();
                }
            }
            // a snippet's source keeps the blank lines and comments before it: it starts where the last one ended
            int line = firstLine + CellText.lineOf(code, consumed) - 1;
            // JShell numbers a snippet's lines in a trace from its first token (after blanks and comments)
            int traceLine = firstLine + CellText.lineOf(code, consumed + CellText.codeStart(source)) - 1;
            // as in IPython, a semicolon after the cell's last expression keeps its value from showing
            boolean quiet = CellText.endsWithSemicolon(rest.substring(0, length));
            result = runSnippet(source, count, line, traceLine, quiet);
            consumed += length;
            rest = rest.substring(length);
        }
        return result;
    }

    private Result runSnippet(String source, int count, int line, int traceLine, boolean quiet) {
        control.clearLast();
        List<SnippetEvent> events = shell.eval(source);
        Result result = Result.NONE;
        for (SnippetEvent e : events) {
            if (e.causeSnippet() != null) continue; // a consequence for another snippet (an overwritten declaration)
            Snippet s = e.snippet();
            places.put(s.id(), new Place(count, traceLine));
            switch (e.status()) {
                case REJECTED -> throw compilationError(diagnostics(s, source, line), source, s);
                case RECOVERABLE_NOT_DEFINED -> throw compilationError(List.of(
                        "line " + line + ": " + describe(s) + " needs what is not declared: " + unresolved(s)), source, s);
                case RECOVERABLE_DEFINED -> System.err.println(describe(s) + " is declared, but cannot be used until "
                        + unresolved(s) + " is declared");
                default -> {
                }
            }
            if (e.exception() != null || control.lastStopped()) throw runtimeError(e.exception());
            if (shows(s) && !quiet) result = new Result(true, control.lastValue());
        }
        return result;
    }

    /** Whether a snippet is an expression whose value the cell shows (not a declaration or assignment). */
    private static boolean shows(Snippet s) {
        return switch (s.subKind()) {
            case TEMP_VAR_EXPRESSION_SUBKIND, VAR_VALUE_SUBKIND, OTHER_EXPRESSION_SUBKIND -> true;
            default -> false;
        };
    }

    private String unresolved(Snippet s) {
        return s instanceof DeclarationSnippet d ? String.join(", ", shell.unresolvedDependencies(d).toList()) : "?";
    }

    private static String describe(Snippet s) {
        String name = s instanceof DeclarationSnippet d ? d.name() : "";
        return switch (s.kind()) {
            case METHOD -> "method " + name + "(...)";
            case TYPE_DECL -> "type " + name;
            case VAR -> "variable " + name;
            default -> "the code";
        };
    }

    private CellErrors.CompilationException compilationError(List<String> lines, String source, Snippet s) {
        String first = lines.isEmpty() ? "the code does not compile" : lines.get(0);
        List<String> out = new ArrayList<>();
        out.add(CellErrors.RED + "CompilationException: " + stripPlace(first) + CellErrors.RESET);
        if (lines.size() > 1 || !first.equals(stripPlace(first))) out.addAll(lines);
        CellErrors.CompilationException ex = new CellErrors.CompilationException(stripPlace(first), out);
        remember(ex, out);
        return ex;
    }

    private static String stripPlace(String line) {
        return line.replaceFirst("^line \\d+: ", "").lines().findFirst().orElse("");
    }

    /** The compiler's errors of a snippet, each with its line and a caret under the place it names. */
    private List<String> diagnostics(Snippet s, String source, int firstLine) {
        List<String> out = new ArrayList<>();
        for (Diag d : shell.diagnostics(s).toList()) {
            if (!d.isError()) continue;
            String msg = d.getMessage(Locale.ROOT);
            long pos = d.getPosition() == Diag.NOPOS ? d.getStartPosition() : d.getPosition();
            if (pos == Diag.NOPOS || pos < 0 || pos > source.length()) {
                out.add(msg);
                continue;
            }
            int sourceLine = CellText.lineOf(source, (int) pos);
            int lineStart = source.lastIndexOf('\n', (int) pos - 1) + 1;
            String text = CellText.line(source, sourceLine);
            List<String> msgLines = msg.lines().toList();
            out.add("line " + (firstLine + sourceLine - 1) + ": " + msgLines.get(0));
            for (int i = 1; i < msgLines.size(); i++) {
                // javac's "location: class " names JShell's wrapper class, which has no name worth showing
                if (!msgLines.get(i).strip().equals("location: class")) out.add("  " + msgLines.get(i));
            }
            out.add("    " + text);
            out.add("    " + " ".repeat(Math.max(0, (int) pos - lineStart)) + "^");
        }
        if (out.isEmpty()) out.add("the code does not compile");
        return out;
    }

    private CellErrors.Interrupted interrupted() {
        CellErrors.Interrupted ex = new CellErrors.Interrupted();
        remember(ex, List.of(CellErrors.RED + "Interrupted: the cell was stopped" + CellErrors.RESET));
        return ex;
    }

    private RuntimeException runtimeError(JShellException e) {
        if (control.lastStopped()) return interrupted();
        if (e == null) throw new IllegalStateException("a snippet failed without an exception");
        if (e instanceof UnresolvedReferenceException u) {
            return compilationError(List.of(describe(u.getSnippet()) + " cannot be used until "
                    + unresolved(u.getSnippet()) + " is declared"), "", u.getSnippet());
        }
        Throwable original = control.lastThrown();
        List<String> lines = new ArrayList<>();
        ZooException zoo = zooError(original);
        if (zoo != null) {
            lines.add(CellErrors.oneLine(zoo));
        } else {
            lines.addAll(trace(e, original));
        }
        RuntimeException thrown;
        if (zoo != null) {
            thrown = zoo;
        } else if (original instanceof RuntimeException r) {
            thrown = r;
        } else if (original instanceof Exception x) {
            thrown = new RuntimeException(x.getClass().getSimpleName() + (x.getMessage() == null ? "" : ": " + x.getMessage()), x);
        } else if (original != null) {
            thrown = new CellErrors.UncaughtError(original);
        } else {
            thrown = new RuntimeException(e.getMessage());
        }
        remember(thrown, lines);
        return thrown;
    }

    /** The zoo's error a throwable is, or wraps in an executor's or reflection's wrapper; null if none. */
    static ZooException zooError(Throwable t) {
        for (int depth = 0; t != null && depth < 5; depth++, t = t.getCause()) {
            if (t instanceof ZooException z) return z;
            boolean wrapper = t instanceof java.util.concurrent.ExecutionException
                    || t instanceof java.util.concurrent.CompletionException
                    || t instanceof java.lang.reflect.InvocationTargetException
                    || t instanceof java.lang.reflect.UndeclaredThrowableException;
            if (!wrapper) return null;
        }
        return null;
    }

    /** A runtime error as Java prints it, with the cells' frames as "In [n], line k" and the frames below the cell cut. */
    private List<String> trace(JShellException translated, Throwable original) {
        List<String> lines = new ArrayList<>();
        String name = translated instanceof EvalException ev ? ev.getExceptionClassName()
                : original != null ? original.getClass().getName() : translated.getClass().getName();
        String msg = cleanMessage(translated.getMessage());
        lines.add(CellErrors.RED + simpleName(name) + (msg == null ? "" : ": " + msg) + CellErrors.RESET);
        frames(translated.getStackTrace(), lines);
        Throwable cause = translated.getCause();
        for (int depth = 0; cause != null && depth < 4; depth++, cause = cause.getCause()) {
            String cname = cause instanceof EvalException ev ? ev.getExceptionClassName() : cause.getClass().getName();
            lines.add("Caused by: " + cname + (cause.getMessage() == null ? "" : ": " + cleanMessage(cause.getMessage())));
            frames(cause.getStackTrace(), lines);
        }
        return lines;
    }

    /** Java's helpful NullPointerException messages name JShell's wrapper classes ("REPL.$JShell$18.a"): just "a". */
    static String cleanMessage(String msg) {
        return msg == null ? null : msg.replaceAll("REPL\\.\\$JShell\\$\\d+[A-Z]?\\.", "");
    }

    private static String simpleName(String className) {
        return className.startsWith("java.lang.") ? className.substring("java.lang.".length()) : className;
    }

    private void frames(StackTraceElement[] stack, List<String> lines) {
        int firstCell = -1, lastCell = -1;
        for (int i = 0; i < stack.length; i++) {
            if (isCellFrame(stack[i])) {
                if (firstCell < 0) firstCell = i;
                lastCell = i;
            }
        }
        int from = firstCell < 0 ? 0 : Math.max(0, firstCell - LIBRARY_FRAMES);
        int to = lastCell < 0 ? Math.min(stack.length, LIBRARY_FRAMES) : lastCell + 1;
        if (from > 0) lines.add("    ... " + from + " frames inside libraries");
        for (int i = from; i < to; i++) lines.add("    at " + frame(stack[i]));
    }

    private boolean isCellFrame(StackTraceElement f) {
        return f.getFileName() != null && f.getFileName().startsWith("#") && places.containsKey(f.getFileName().substring(1));
    }

    private String frame(StackTraceElement f) {
        if (!isCellFrame(f)) return f.toString();
        Place p = places.get(f.getFileName().substring(1));
        String where = "In [" + p.count() + "], line " + (p.line() + Math.max(1, f.getLineNumber()) - 1);
        String method = f.getMethodName();
        return method.startsWith("do_it$") || method.isEmpty() ? where : method + " (" + where + ")";
    }

    private void remember(Throwable t, List<String> lines) {
        lastFailure = t;
        lastFailureLines = List.copyOf(lines);
    }

    /** The traceback lines of the last cell's failure, if {@code t} is it; null otherwise. */
    List<String> traceback(Throwable t) {
        return t == lastFailure ? lastFailureLines : null;
    }

    /** Completion: the replacements JShell suggests for the text before {@code cursor}, and the range they replace. */
    record Completion(List<String> matches, int start, int end) {
    }

    Completion complete(String code, int cursor) {
        int snippetStart = snippetStart(code, cursor);
        String snippet = code.substring(snippetStart);
        int[] anchor = new int[1];
        List<SourceCodeAnalysis.Suggestion> suggestions = analysis.completionSuggestions(snippet, cursor - snippetStart, anchor);
        LinkedHashSet<String> matches = new LinkedHashSet<>();
        suggestions.stream().filter(SourceCodeAnalysis.Suggestion::matchesType).forEach(s -> matches.add(s.continuation()));
        suggestions.forEach(s -> matches.add(s.continuation()));
        return new Completion(List.copyOf(matches), snippetStart + anchor[0], cursor);
    }

    /** Where the snippet the cursor is in starts: the end of the last complete snippet before the cursor. */
    private int snippetStart(String code, int cursor) {
        int start = 0;
        // magic lines are not Java: the Java the cursor is in starts after the last one before it
        for (CellText.Piece p : CellText.split(code)) {
            if (p.offset() > cursor) break;
            if (p.magic()) {
                int end = code.indexOf('\n', p.offset());
                start = end < 0 || end >= cursor ? p.offset() : end + 1;
            }
        }
        while (start < cursor) {
            String rest = code.substring(start);
            SourceCodeAnalysis.CompletionInfo ci = analysis.analyzeCompletion(rest);
            if (ci.completeness() != SourceCodeAnalysis.Completeness.COMPLETE
                    && ci.completeness() != SourceCodeAnalysis.Completeness.COMPLETE_WITH_SEMI) break;
            int next = start + rest.length() - ci.remaining().length();
            if (next >= cursor || next <= start) break;
            start = next;
        }
        return start;
    }

    /** Signatures (and the type and value of a variable) at the cursor; null where JShell knows nothing. */
    String inspect(String code, int cursor) {
        int start = snippetStart(code, Math.min(cursor, code.length()));
        String snippet = code.substring(start);
        int at = Math.min(cursor, code.length()) - start;
        List<String> out = new ArrayList<>();
        for (SourceCodeAnalysis.Documentation d : analysis.documentation(snippet, at, true)) {
            out.add(d.signature());
            if (d.javadoc() != null && !d.javadoc().isBlank()) out.add(d.javadoc().strip());
        }
        String word = wordAt(snippet, at);
        if (!word.isEmpty()) {
            for (VarSnippet v : shell.variables().filter(v -> v.name().equals(word)).toList()) {
                if (shell.status(v) == Snippet.Status.VALID) {
                    out.add(v.typeName() + " " + v.name() + " = " + shell.varValue(v));
                }
            }
        }
        if (out.isEmpty()) {
            String type = analysis.analyzeType(snippet, at);
            if (type != null && !type.isBlank() && !word.isEmpty()) out.add(word + ": " + type);
        }
        return out.isEmpty() ? null : String.join("\n", out);
    }

    private static String wordAt(String s, int at) {
        int a = Math.min(at, s.length()), b = a;
        while (a > 0 && Character.isJavaIdentifierPart(s.charAt(a - 1))) a--;
        while (b < s.length() && Character.isJavaIdentifierPart(s.charAt(b))) b++;
        return s.substring(a, b);
    }

    /**
     * Whether the code is complete, as Jupyter's is_complete asks: {@code complete},
     * {@code invalid}, or otherwise the indent for the next line (incomplete).
     */
    String isComplete(String code) {
        for (CellText.Piece p : CellText.split(code)) {
            if (p.magic()) continue;
            String rest = p.text();
            while (!rest.isBlank()) {
                SourceCodeAnalysis.CompletionInfo ci = analysis.analyzeCompletion(rest);
                switch (ci.completeness()) {
                    case COMPLETE, COMPLETE_WITH_SEMI -> rest = ci.remaining();
                    case EMPTY -> rest = "";
                    case DEFINITELY_INCOMPLETE, CONSIDERED_INCOMPLETE -> {
                        return "    ";
                    }
                    default -> {
                        return "invalid";
                    }
                }
            }
        }
        return "complete";
    }

    /** The class path entries of the kernel and those added, for {@code %classpath}. */
    String describeClasspath() {
        List<String> base = List.of(System.getProperty("java.class.path", "").split(File.pathSeparator));
        return base.size() + " entries from the kernel's start" + (classPath.isEmpty() ? "" : ", added:\n"
                + classPath.stream().map(p -> "  " + p).collect(Collectors.joining("\n")));
    }

    @Override
    public void close() {
        shell.close();
    }
}
