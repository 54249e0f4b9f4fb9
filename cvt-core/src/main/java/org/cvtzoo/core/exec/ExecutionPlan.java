package org.cvtzoo.core.exec;

import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.Listener;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An inference SameDiff graph prepared to run for one input shape: the ops that the requested
 * outputs need, in a valid order, each with its output arrays allocated and its context bound
 * once, so that {@link #run} is one native call per op and nothing else.
 *
 * <p><b>Parameters.</b> Variables and constants are read in place: the plan binds the arrays
 * the graph holds, so assigning new values into them (as loading a checkpoint does) is seen by
 * the next run. Before each run the plan also asks the graph for each one's current array and
 * rebinds any that was replaced; a replacement of another shape or type is an error (build a
 * new plan).
 *
 * <p><b>Memory.</b> Intermediates share buffers where their lifetimes do not overlap (an array
 * is free once the last op reading it has run); the requested outputs keep theirs.
 * An identity passes its input through, as SameDiff does, and a c-order reshape of an array the
 * plan holds, or an unstack of one along its first axis, is a view of it rather than a copy
 * (none runs an op). On the CPU backend, chains of
 * element-wise ops that {@code Ops} builds run as one Java kernel each ({@link Options}). Outputs of {@link #run} are
 * copies, so a later run never changes what an earlier one returned.
 *
 * <p><b>Threads.</b> A plan owns its buffers: {@link #run} holds the plan's lock, so concurrent
 * callers of one plan take turns; threads that should run in parallel need a plan each.
 *
 * <p><b>Listeners.</b> The graph's listeners active for inference get
 * {@link Listener#preOpExecution} and {@link Listener#opExecution} around each op, as from
 * SameDiff's own {@code output()} (no other callback).
 *
 * <p>Building runs the graph once (on zeros): output shapes that depend on values computed in
 * the graph (a shape read from a tensor) are then known, provided they depend on the input's
 * shape only. Control flow, tensor arrays and {@code Assign} are not supported.
 */
public final class ExecutionPlan implements AutoCloseable {
    private final SameDiff sd;
    private final List<Step> steps;
    private final Map<String, INDArray> inputs;
    private final List<BoundParameter> parameters;
    /** Requested output name -> the plan's array holding it. */
    private final Map<String, INDArray> outputs;
    /** Requested outputs that are parameters: read at run time, as they may be replaced. */
    private final Map<String, BoundParameter> parameterOutputs;
    private final BufferPool pool;
    private final Map<String, Integer> rewrites, declinedRewrites;
    private boolean closed;

    ExecutionPlan(SameDiff sd, List<Step> steps, Map<String, INDArray> inputs, List<BoundParameter> parameters,
                  Map<String, INDArray> outputs, Map<String, BoundParameter> parameterOutputs, BufferPool pool,
                  Map<String, Integer> rewrites, Map<String, Integer> declinedRewrites) {
        this.rewrites = Map.copyOf(rewrites);
        this.declinedRewrites = Map.copyOf(declinedRewrites);
        this.sd = sd;
        this.steps = steps;
        this.inputs = inputs;
        this.parameters = parameters;
        this.outputs = outputs;
        this.parameterOutputs = parameterOutputs;
        this.pool = pool;
    }

    /**
     * How a plan is built.
     *
     * @param shareBuffers false gives every intermediate a buffer of its own (more memory; for
     *                     comparison and debugging)
     * @param javaKernels  runs the element-wise chains that {@code Ops} builds (exact GELU,
     *                     QuickGELU, inference LayerNorm) and some slow single ops as Java kernels,
     *                     within about 1e-7 of the graph's own ops rather than bit for bit (see
     *                     {@link JavaRewrites}); only on the CPU backend
     * @param oneDnn       runs matmuls with their bias and activation or residual, softmax and
     *                     LayerNorm as oneDNN primitives ({@link DnnlRewrites}), tried before the
     *                     Java kernels; only where {@link OneDnn#enabled()}
     */
    public record Options(boolean shareBuffers, boolean javaKernels, boolean oneDnn) {
        public Options {
            if (oneDnn && !OneDnn.enabled()) throw new IllegalArgumentException("oneDNN is " + OneDnn.status());
        }

        /** Shared buffers; oneDNN where it is enabled, and Java kernels, on the CPU backend. */
        public static Options defaults() {
            boolean cpu = Nd4j.getEnvironment().isCPU();
            return new Options(true, cpu, cpu && OneDnn.enabled());
        }

        /** As {@link #defaults()}, without oneDNN: the plans as they ran before it (to compare the two). */
        public static Options withoutOneDnn() {
            return new Options(true, Nd4j.getEnvironment().isCPU(), false);
        }

        /** The graph's own ops and nothing else: results equal to {@code output()} bit for bit. */
        public static Options graphOpsOnly() {
            return new Options(true, false, false);
        }
    }

    /** A plan with the default {@link Options}. */
    public static ExecutionPlan build(SameDiff sd, Map<String, long[]> inputShapes, List<String> outputNames) {
        return build(sd, inputShapes, outputNames, Options.defaults());
    }

    /** A plan for placeholders of the given shapes computing {@code outputNames}. */
    public static ExecutionPlan build(SameDiff sd, Map<String, long[]> inputShapes, List<String> outputNames,
                                      Options options) {
        return new PlanBuilder(sd, inputShapes, outputNames, options, null).build();
    }

    /**
     * A plan (default {@link Options}) whose intermediates use {@code lender}'s memory first,
     * allocating only what does not fit: for a second shape of the same graph whose plan is
     * kept beside the first, such as a trainer's last, smaller batch, without the memory of a
     * second plan. The two must never run at the same time, and each run overwrites the
     * other's arrays; the lender must outlive it.
     */
    public static ExecutionPlan buildOver(ExecutionPlan lender, SameDiff sd, Map<String, long[]> inputShapes,
                                          List<String> outputNames) {
        return new PlanBuilder(sd, inputShapes, outputNames, Options.defaults(), lender.pool).build();
    }

    /**
     * Runs the graph on {@code inputs} (one array per placeholder, of the planned shapes; other
     * types are cast) and returns a copy of each requested output.
     */
    public Map<String, INDArray> run(Map<String, INDArray> inputs) {
        return run(inputs, true);
    }

    /**
     * As {@link #run}, but returns the plan's own output arrays, which the next run overwrites:
     * for a caller that is done with them by then (a training step), it saves allocating fresh
     * arrays, which the garbage collector would otherwise have to find.
     */
    public Map<String, INDArray> runShared(Map<String, INDArray> inputs) {
        return run(inputs, false);
    }

    private synchronized Map<String, INDArray> run(Map<String, INDArray> inputs, boolean copy) {
        if (closed) throw new IllegalStateException("execution plan was closed");
        for (Map.Entry<String, INDArray> e : this.inputs.entrySet()) {
            INDArray given = inputs.get(e.getKey());
            if (given == null) throw new IllegalArgumentException("no array for placeholder " + e.getKey());
            if (!Arrays.equals(given.shape(), e.getValue().shape())) {
                throw new org.cvtzoo.core.ZooException("placeholder " + e.getKey() + ": the plan is for shape "
                        + Arrays.toString(e.getValue().shape()) + ", got " + Arrays.toString(given.shape()));
            }
            e.getValue().assign(given);
        }
        for (BoundParameter p : parameters) p.refresh(sd);
        List<Listener> listeners = activeListeners();
        if (listeners.isEmpty()) {
            for (Step s : steps) s.exec();
        } else {
            At at = At.defaultAt(Operation.INFERENCE);
            for (Step s : steps) {
                for (Listener l : listeners) l.preOpExecution(sd, at, s.op, s.ctx);
                s.exec();
                for (Listener l : listeners) l.opExecution(sd, at, null, s.op, s.ctx, s.outputs);
            }
        }
        Map<String, INDArray> out = new LinkedHashMap<>();
        outputs.forEach((name, array) -> out.put(name, copy ? array.dup() : array));
        parameterOutputs.forEach((name, p) -> out.put(name, copy ? p.array.dup() : p.array));
        return out;
    }

    /**
     * The rewrites that fired: each group's description (as profiles name its step, e.g.
     * {@code "matmul + bias + gelu_erf (onednn)"}) and how many such steps the plan runs.
     */
    public Map<String, Integer> rewrites() {
        return new java.util.TreeMap<>(rewrites);
    }

    /** Groups that a rewrite matched but whose implementation could not take the arrays: they run as the graph's ops. */
    public Map<String, Integer> declinedRewrites() {
        return new java.util.TreeMap<>(declinedRewrites);
    }

    /** The number of ops a run executes (views and identities need none). */
    public int opCount() {
        return steps.size();
    }

    /** Bytes of off-heap memory held for intermediates (not counting inputs and parameters). */
    public long intermediateBytes() {
        return pool.bytes();
    }

    /** Frees the plan's native memory now, rather than when the garbage collector finds it. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        steps.forEach(Step::close);
        pool.close();
        inputs.values().forEach(INDArray::close);
    }

    private List<Listener> activeListeners() {
        List<Listener> all = sd.getListeners();
        if (all == null || all.isEmpty()) return List.of();
        return all.stream().filter(l -> l.isActive(Operation.INFERENCE)).toList();
    }
}
