package org.cvtzoo.notebook;

import jdk.jshell.execution.DirectExecutionControl;
import jdk.jshell.spi.ExecutionControl;
import jdk.jshell.spi.ExecutionControlProvider;
import jdk.jshell.spi.ExecutionEnv;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * JShell's execution in the kernel's own JVM: snippets see the kernel's class path (the zoo,
 * ND4J and its natives, this package), {@code System.out} is whatever the kernel made it, and a
 * cell's value stays the object it is (not only its string), so that it can be shown richly.
 *
 * <p>Snippets run one after another on one long-lived thread (ND4J keeps per-thread state: a
 * graph's inference session, workspaces), not on the thread that handles Jupyter's messages, so
 * that {@link #stop()} can end a runaway cell: it interrupts that thread, and where the cell
 * does not end within a grace period, stops it ({@link Thread#stop()}, as JShell's own local
 * execution does); a fresh thread then takes the next cell. A stop holds for the rest of the
 * cell ({@link #beginCell()} to {@link #endCell()}): one that comes while JShell compiles, or
 * between two snippets, keeps the cell's next snippet from starting.
 */
final class InProcessExecution extends DirectExecutionControl {
    /** How long an interrupted cell may take to end by itself before its thread is stopped. */
    static final long GRACE_MS = 1500;

    private final Object lock = new Object();
    private ExecutorService worker = newWorker();
    private Thread cellThread;
    private Future<Object> running;
    private boolean inCell;
    private boolean stopRequested; // during the current cell

    // what the last invocation left: its value, or what it threw, or that it was stopped
    private Object value;
    private Throwable thrown;
    private boolean stopped;

    /** A provider for {@code JShell.builder().executionEngine(...)} that hands out {@code control}. */
    static ExecutionControlProvider provider(InProcessExecution control) {
        return new ExecutionControlProvider() {
            @Override
            public String name() {
                return "cvt-in-process";
            }

            @Override
            public ExecutionControl generate(ExecutionEnv env, Map<String, String> parameters) {
                return control;
            }
        };
    }

    private ExecutorService newWorker() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "notebook-cell");
            t.setDaemon(true);
            synchronized (lock) {
                cellThread = t;
            }
            return t;
        });
    }

    /** A cell starts: stops are taken from now on, until {@link #endCell()}. */
    void beginCell() {
        synchronized (lock) {
            inCell = true;
            stopRequested = false;
        }
    }

    /** The cell ended: a stop now has nothing to stop. */
    void endCell() {
        synchronized (lock) {
            inCell = false;
            stopRequested = false;
        }
    }

    /** Whether {@link #stop()} was called during the current cell. */
    boolean stopRequested() {
        synchronized (lock) {
            return stopRequested;
        }
    }

    /** Forgets what the last invocation left (before each snippet). */
    void clearLast() {
        synchronized (lock) {
            value = null;
            thrown = null;
            stopped = false;
        }
    }

    /** The value of the last snippet that ran (null for none, or for a null value). */
    Object lastValue() {
        synchronized (lock) {
            return value;
        }
    }

    /** What the last snippet threw, as thrown (JShell only gives its class name and message). */
    Throwable lastThrown() {
        synchronized (lock) {
            return thrown;
        }
    }

    /** Whether the last snippet ended because {@link #stop()} was called. */
    boolean lastStopped() {
        synchronized (lock) {
            return stopped;
        }
    }

    @Override
    protected String invoke(Method doit) throws Exception {
        Future<Object> f;
        synchronized (lock) {
            if (stopRequested) { // stopped before this snippet started
                stopped = true;
                throw new StoppedException();
            }
            f = worker.submit(() -> doit.invoke(null));
            running = f;
        }
        try {
            Object v = f.get();
            synchronized (lock) {
                value = v;
            }
            return describe(v);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof InvocationTargetException ite) cause = ite.getCause();
            boolean wasStopped;
            synchronized (lock) {
                wasStopped = stopRequested && (cause instanceof ThreadDeath || cause instanceof InterruptedException);
                stopped = wasStopped;
                thrown = wasStopped ? null : cause;
            }
            if (wasStopped) throw new StoppedException();
            throw new InvocationTargetException(cause);
        } catch (java.util.concurrent.CancellationException e) {
            synchronized (lock) {
                stopped = true;
            }
            throw new StoppedException();
        } finally {
            synchronized (lock) {
                running = null;
            }
        }
    }

    /** A variable's value (JShell asks this for a cell that is only a variable's name): kept as the object. */
    @Override
    public String varValue(String className, String varName) throws RunException, EngineTerminationException, InternalException {
        Object v;
        try {
            java.lang.reflect.Field f = findClass(className).getDeclaredField(varName);
            f.setAccessible(true);
            v = f.get(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return super.varValue(className, varName);
        }
        synchronized (lock) {
            value = v;
        }
        return describe(v);
    }

    /** The string JShell keeps of a value: cheap and safe (the kernel renders the object itself). */
    private static String describe(Object v) {
        if (v == null || v instanceof String || v instanceof Number || v instanceof Boolean || v instanceof Character) {
            return valueString(v);
        }
        return v.getClass().getName();
    }

    /**
     * Ends the running cell: no further snippet of it starts; the one running gets an interrupt
     * first, then, if it has not ended after {@link #GRACE_MS}, its thread is stopped and
     * replaced. Returns at once; does nothing between cells.
     */
    @Override
    public void stop() {
        Thread target;
        Future<Object> f;
        synchronized (lock) {
            if (!inCell) return;
            stopRequested = true;
            f = running;
            target = cellThread;
            if (f == null || target == null) return; // compiling, or between snippets: the next one will not start
        }
        target.interrupt();
        Thread escalation = new Thread(() -> {
            try {
                f.get(GRACE_MS, TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                if (!f.isDone()) kill(target, f);
            }
        }, "notebook-stop");
        escalation.setDaemon(true);
        escalation.start();
    }

    @SuppressWarnings({"deprecation", "removal"})
    private void kill(Thread target, Future<Object> f) {
        synchronized (lock) {
            if (running != f) return;
            // the stopped thread may be unusable: the next cell gets a fresh one
            worker.shutdownNow();
            worker = newWorker();
        }
        try {
            target.stop();
        } catch (UnsupportedOperationException e) { // Java 20+: no Thread.stop; give up waiting instead
            f.cancel(true);
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            worker.shutdownNow();
        }
        super.close();
    }
}
