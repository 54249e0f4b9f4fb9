package org.cvtzoo.core.exec;

import org.nd4j.autodiff.functions.DifferentialFunction;
import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.Listener;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.autodiff.samediff.internal.Variable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.custom.Invoke;
import org.nd4j.linalg.api.ops.impl.controlflow.compat.BaseCompatOp;
import org.nd4j.linalg.api.ops.impl.layers.ExternalErrorsFunction;
import org.nd4j.linalg.api.ops.impl.shape.CreateView;
import org.nd4j.linalg.api.ops.impl.shape.tensorops.BaseTensorOp;
import org.nd4j.linalg.api.ops.impl.transforms.Assert;
import org.nd4j.linalg.api.ops.impl.transforms.custom.Assign;
import org.nd4j.linalg.api.ops.impl.transforms.gradient.GradientBackwardsMarker;
import org.nd4j.linalg.api.ops.impl.transforms.same.Identity;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
 * {@link Identity} passes its input through as SameDiff does. Outputs of {@link #run} are
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
    private final List<Parameter> parameters;
    /** Requested output name -> the array holding it (a parameter's is looked up at run time). */
    private final Map<String, INDArray> outputs;
    private final Map<String, Parameter> parameterOutputs;
    private final BufferPool pool;
    private boolean closed;

    /** A parameter (variable or constant) array bound into the contexts of the ops reading it. */
    private static final class Parameter {
        final String name;
        INDArray array;
        final List<Step> readers = new ArrayList<>();
        final List<Integer> argIndices = new ArrayList<>();

        Parameter(String name, INDArray array) {
            this.name = name;
            this.array = array;
        }

        /** Rebinds the graph's current array if it was replaced since the last run. */
        void refresh(SameDiff sd) {
            INDArray now = sd.getArrForVarName(name);
            if (now == array) return;
            if (now == null || !Arrays.equals(now.shape(), array.shape()) || now.dataType() != array.dataType()) {
                throw new IllegalStateException("parameter " + name + " is now " + (now == null ? "missing"
                        : now.dataType() + " " + Arrays.toString(now.shape())) + ", the plan was built for "
                        + array.dataType() + " " + Arrays.toString(array.shape()) + ": build a new plan");
            }
            for (int i = 0; i < readers.size(); i++) readers.get(i).bind(argIndices.get(i), now);
            array = now;
        }
    }

    private ExecutionPlan(SameDiff sd, List<Step> steps, Map<String, INDArray> inputs, List<Parameter> parameters,
                          Map<String, INDArray> outputs, Map<String, Parameter> parameterOutputs, BufferPool pool) {
        this.sd = sd;
        this.steps = steps;
        this.inputs = inputs;
        this.parameters = parameters;
        this.outputs = outputs;
        this.parameterOutputs = parameterOutputs;
        this.pool = pool;
    }

    /** A plan whose intermediates share buffers (see the class comment). */
    public static ExecutionPlan build(SameDiff sd, Map<String, long[]> inputShapes, List<String> outputNames) {
        return build(sd, inputShapes, outputNames, true);
    }

    /**
     * A plan for placeholders of the given shapes computing {@code outputNames}.
     *
     * @param shareBuffers false gives every intermediate a buffer of its own (more memory; for
     *                     comparison and debugging)
     */
    public static ExecutionPlan build(SameDiff sd, Map<String, long[]> inputShapes, List<String> outputNames,
                                      boolean shareBuffers) {
        List<SameDiffOp> ops = orderedOps(sd, outputNames);
        Map<String, String> aliasOf = aliases(ops);
        Map<String, Integer> lastRead = lastReads(sd, ops, outputNames, aliasOf);

        Map<String, INDArray> inputs = new LinkedHashMap<>();
        Map<String, Parameter> parameters = new LinkedHashMap<>();
        Map<String, INDArray> values = new HashMap<>(); // intermediates' arrays
        BufferPool pool = new BufferPool(shareBuffers);
        List<Step> steps = new ArrayList<>();
        for (int k = 0; k < ops.size(); k++) {
            SameDiffOp op = ops.get(k);
            if (op.getOp() instanceof Identity) continue; // an alias, resolved through aliasOf
            List<String> argNames = inputsOf(op);
            INDArray[] args = new INDArray[argNames.size()];
            for (int i = 0; i < args.length; i++) {
                String name = source(argNames.get(i), aliasOf);
                args[i] = switch (sd.getVariable(name).getVariableType()) {
                    case PLACEHOLDER -> inputs.computeIfAbsent(name, n -> inputBuffer(sd, n, inputShapes));
                    case VARIABLE, CONSTANT -> parameters.computeIfAbsent(name, n -> new Parameter(n, parameterArray(sd, n))).array;
                    default -> values.get(name);
                };
            }
            Step step = new Step(op, args);
            for (int i = 0; i < args.length; i++) {
                Parameter p = parameters.get(source(argNames.get(i), aliasOf));
                if (p != null) {
                    p.readers.add(step);
                    p.argIndices.add(i);
                }
            }
            List<LongShapeDescriptor> shapes = step.outputShapes(sd);
            INDArray[] outs = new INDArray[shapes.size()];
            for (int i = 0; i < outs.length; i++) {
                outs[i] = pool.take(shapes.get(i));
                values.put(op.getOutputsOfOp().get(i), outs[i]);
            }
            step.setOutputs(outs);
            runAtBuild(step);
            steps.add(step);
            for (String out : op.getOutputsOfOp()) {
                if (lastRead.getOrDefault(out, k) == k) pool.release(values.get(out));
            }
            for (String name : new HashSet<>(argNames.stream().map(n -> source(n, aliasOf)).toList())) {
                if (lastRead.getOrDefault(name, -1) == k) pool.release(values.get(name));
            }
        }
        Map<String, INDArray> outputs = new LinkedHashMap<>();
        Map<String, Parameter> parameterOutputs = new LinkedHashMap<>();
        for (String out : outputNames) {
            String name = source(out, aliasOf);
            switch (sd.getVariable(name).getVariableType()) {
                case PLACEHOLDER -> outputs.put(out, inputs.computeIfAbsent(name, n -> inputBuffer(sd, n, inputShapes)));
                case VARIABLE, CONSTANT -> parameterOutputs.put(out,
                        parameters.computeIfAbsent(name, n -> new Parameter(n, parameterArray(sd, n))));
                default -> outputs.put(out, values.get(name));
            }
        }
        return new ExecutionPlan(sd, steps, inputs, new ArrayList<>(parameters.values()), outputs, parameterOutputs, pool);
    }

    /**
     * Runs the graph on {@code inputs} (one array per placeholder, of the planned shapes; other
     * types are cast) and returns a copy of each requested output.
     */
    public synchronized Map<String, INDArray> run(Map<String, INDArray> inputs) {
        if (closed) throw new IllegalStateException("execution plan was closed");
        for (Map.Entry<String, INDArray> e : this.inputs.entrySet()) {
            INDArray given = inputs.get(e.getKey());
            if (given == null) throw new IllegalArgumentException("no array for placeholder " + e.getKey());
            if (!Arrays.equals(given.shape(), e.getValue().shape())) {
                throw new IllegalArgumentException("placeholder " + e.getKey() + ": the plan is for shape "
                        + Arrays.toString(e.getValue().shape()) + ", got " + Arrays.toString(given.shape()));
            }
            e.getValue().assign(given);
        }
        for (Parameter p : parameters) p.refresh(sd);
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
        outputs.forEach((name, array) -> out.put(name, array.dup()));
        parameterOutputs.forEach((name, p) -> out.put(name, p.array.dup()));
        return out;
    }

    /** The number of ops a run executes. */
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
        steps.forEach(s -> {
            try {
                s.ctx.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing the context of " + s.describe(), e);
            }
        });
        pool.close();
        inputs.values().forEach(INDArray::close);
    }

    private List<Listener> activeListeners() {
        List<Listener> all = sd.getListeners();
        if (all == null || all.isEmpty()) return List.of();
        return all.stream().filter(l -> l.isActive(Operation.INFERENCE)).toList();
    }

    /** Runs a step once while building: checks it runs, and gives later shape functions real values. */
    private static void runAtBuild(Step step) {
        step.exec();
        for (int i = 0; i < step.outputs.length; i++) {
            if (step.ctx.getOutputArray(i) != step.outputs[i]) {
                throw new IllegalStateException(step.describe() + " replaced its output array " + i);
            }
        }
    }

    /** The ops needed for {@code outputs}, each after the ops producing its inputs. */
    private static List<SameDiffOp> orderedOps(SameDiff sd, List<String> outputs) {
        Set<String> needed = new HashSet<>();
        Deque<String> toVisit = new ArrayDeque<>();
        for (String out : outputs) {
            if (!sd.hasVariable(out)) throw new IllegalArgumentException("no variable " + out + " in the graph");
            toVisit.push(out);
        }
        while (!toVisit.isEmpty()) {
            String producer = sd.getVariables().get(toVisit.pop()).getOutputOfOp();
            if (producer != null && needed.add(producer)) inputsOf(sd.getOps().get(producer)).forEach(toVisit::push);
        }
        Set<String> available = new HashSet<>();
        for (Variable v : sd.getVariables().values()) {
            if (v.getOutputOfOp() == null) available.add(v.getName());
        }
        List<SameDiffOp> pending = new ArrayList<>();
        for (SameDiffOp op : sd.getOps().values()) {
            if (needed.contains(op.getName())) {
                checkSupported(op);
                pending.add(op);
            }
        }
        List<SameDiffOp> order = new ArrayList<>();
        while (!pending.isEmpty()) {
            int before = order.size();
            for (Iterator<SameDiffOp> it = pending.iterator(); it.hasNext(); ) {
                SameDiffOp op = it.next();
                if (available.containsAll(inputsOf(op))) {
                    order.add(op);
                    available.addAll(op.getOutputsOfOp());
                    it.remove();
                }
            }
            if (order.size() == before) {
                throw new IllegalStateException("ops in a cycle or with inputs no op produces: "
                        + pending.stream().map(SameDiffOp::getName).toList());
            }
        }
        return order;
    }

    private static void checkSupported(SameDiffOp op) {
        DifferentialFunction fn = op.getOp();
        if (fn instanceof BaseCompatOp || fn instanceof BaseTensorOp || fn instanceof Invoke || fn instanceof Assign
                || fn instanceof CreateView || fn instanceof Assert || fn instanceof ExternalErrorsFunction
                || fn instanceof GradientBackwardsMarker) {
            throw new UnsupportedOperationException("an execution plan cannot run " + fn.opName() + " '" + op.getName()
                    + "' (control flow, tensor arrays, assignment, views): use SameDiff's output()");
        }
    }

    private static List<String> inputsOf(SameDiffOp op) {
        return op.getInputsToOp() == null ? List.of() : op.getInputsToOp();
    }

    /** Output of an {@link Identity} -> its input. */
    private static Map<String, String> aliases(List<SameDiffOp> ops) {
        Map<String, String> aliasOf = new HashMap<>();
        for (SameDiffOp op : ops) {
            if (op.getOp() instanceof Identity) aliasOf.put(op.getOutputsOfOp().get(0), inputsOf(op).get(0));
        }
        return aliasOf;
    }

    /** The variable whose array {@code name} is: itself, or what an identity chain passes through. */
    private static String source(String name, Map<String, String> aliasOf) {
        String s = name;
        while (aliasOf.containsKey(s)) s = aliasOf.get(s);
        return s;
    }

    /**
     * For each intermediate, the index of the last op reading it (directly or through an
     * identity); the requested outputs are read after the last op.
     */
    private static Map<String, Integer> lastReads(SameDiff sd, List<SameDiffOp> ops, List<String> outputs,
                                                  Map<String, String> aliasOf) {
        Map<String, Integer> last = new HashMap<>();
        for (int k = 0; k < ops.size(); k++) {
            for (String in : inputsOf(ops.get(k))) {
                String name = source(in, aliasOf);
                if (sd.getVariable(name).getVariableType() == VariableType.ARRAY) last.put(name, k);
            }
        }
        for (String out : outputs) last.put(source(out, aliasOf), Integer.MAX_VALUE);
        return last;
    }

    private static INDArray inputBuffer(SameDiff sd, String name, Map<String, long[]> shapes) {
        long[] shape = shapes.get(name);
        if (shape == null) throw new IllegalArgumentException("no shape given for placeholder " + name);
        SDVariable v = sd.getVariable(name);
        long[] declared = v.getShape();
        boolean fits = declared == null || declared.length == shape.length;
        for (int i = 0; fits && declared != null && i < shape.length; i++) {
            fits = declared[i] < 0 || declared[i] == shape[i];
        }
        if (!fits) {
            throw new IllegalArgumentException("placeholder " + name + " is declared " + Arrays.toString(declared)
                    + ", cannot plan for " + Arrays.toString(shape));
        }
        return Nd4j.create(v.dataType(), shape);
    }

    private static INDArray parameterArray(SameDiff sd, String name) {
        INDArray a = sd.getArrForVarName(name);
        if (a == null) throw new IllegalStateException("variable " + name + " has no array");
        return a;
    }
}
