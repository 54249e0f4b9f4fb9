package org.cvtzoo.core.exec;

import org.nd4j.autodiff.functions.DifferentialFunction;
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
import org.nd4j.linalg.api.ops.impl.shape.Reshape;
import org.nd4j.linalg.api.ops.impl.shape.Unstack;
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
import java.util.TreeMap;

/**
 * Makes an {@link ExecutionPlan}: orders the ops the outputs need, finds which outputs are views
 * of their input's memory, when each array is read for the last time, and then, op after op,
 * binds the arguments, computes the output shapes, takes output buffers from the pool and runs
 * the op once (so that a later shape function reading values sees them), giving buffers back
 * after their last reader.
 */
final class PlanBuilder {
    private final SameDiff sd;
    private final Map<String, long[]> inputShapes;
    private final List<String> outputNames;
    private final List<SameDiffOp> ops;
    /**
     * Output of an op that passes its input's memory on -> that input: an identity (as SameDiff
     * does), or a c-order reshape or an unstack along the first axis of an array the plan holds
     * (views instead of copies).
     */
    private final Map<String, String> viewOf = new HashMap<>();
    /**
     * Root array -> index of the last op reading its values (or a view's), or of the op making it
     * if none does; requested outputs: never done. Reads of a shape alone do not count ({@link ShapeOnlyReads}).
     */
    private final Map<String, Integer> lastRead = new HashMap<>();
    private final Map<String, INDArray> arrays = new HashMap<>(); // placeholders, intermediates, views
    private final Map<String, INDArray> inputs = new LinkedHashMap<>();
    private final Map<String, BoundParameter> parameters = new LinkedHashMap<>();
    private final List<Step> steps = new ArrayList<>();
    /** Stand-in op name -> the group a rewrite made (see {@link Rewrite}). */
    private final Map<String, Rewrite.Group> groups = new HashMap<>();
    /** Description of each group that runs as its rewrite's step -> how many; and of each that runs as the graph's ops. */
    private final Map<String, Integer> fired = new TreeMap<>(), declined = new TreeMap<>();
    private final BufferPool pool;

    PlanBuilder(SameDiff sd, Map<String, long[]> inputShapes, List<String> outputNames, ExecutionPlan.Options options,
                BufferPool lender) {
        this.sd = sd;
        this.inputShapes = inputShapes;
        this.outputNames = List.copyOf(outputNames);
        this.pool = new BufferPool(options.shareBuffers(), lender);
        List<SameDiffOp> ordered = orderedOps();
        List<Rewrite> rewrites = new ArrayList<>();
        if (options.oneDnn()) rewrites.addAll(DnnlRewrites.all());
        if (options.javaKernels()) rewrites.addAll(JavaRewrites.all());
        this.ops = rewrites.isEmpty() ? ordered : OpGraph.rewrite(sd, ordered, this.outputNames, rewrites, groups);
        findViews();
        findLastReads();
    }

    ExecutionPlan build() {
        for (int k = 0; k < ops.size(); k++) {
            SameDiffOp op = ops.get(k);
            if (viewOf.containsKey(op.getOutputsOfOp().get(0))) {
                addView(op);
            } else if (groups.containsKey(op.getName())) {
                addGroup(groups.get(op.getName()));
            } else {
                addStep(op);
            }
            releaseAfter(k, op);
        }
        Map<String, INDArray> outputs = new LinkedHashMap<>();
        Map<String, BoundParameter> parameterOutputs = new LinkedHashMap<>();
        for (String out : outputNames) {
            if (isParameter(root(out))) {
                parameterOutputs.put(out, parameter(root(out)));
            } else {
                outputs.put(out, array(out));
            }
        }
        return new ExecutionPlan(sd, steps, inputs, List.copyOf(parameters.values()), outputs, parameterOutputs, pool,
                fired, declined);
    }

    private void addStep(SameDiffOp op) {
        add(op, new OpStep(op, args(op)));
    }

    /** A rewritten group: one step, or, where its implementation does not take these arrays, the group's own ops. */
    private void addGroup(Rewrite.Group group) {
        Step step = group.implementation().step(group.op(), args(group.op()));
        if (step != null) {
            add(group.op(), step);
            fired.merge(step.op.getOp().opName(), 1, Integer::sum); // the step's own description (see Rewrite.relabelled)
            return;
        }
        declined.merge(group.op().getOp().opName(), 1, Integer::sum);
        for (SameDiffOp member : group.members()) addStep(member);
        List<String> groupOutputs = group.op().getOutputsOfOp();
        for (SameDiffOp member : group.members()) {
            for (String o : member.getOutputsOfOp()) {
                if (!groupOutputs.contains(o)) pool.release(arrays.remove(o));
            }
        }
    }

    private INDArray[] args(SameDiffOp op) {
        List<String> argNames = inputsOf(op);
        INDArray[] args = new INDArray[argNames.size()];
        for (int i = 0; i < args.length; i++) args[i] = array(argNames.get(i));
        return args;
    }

    private void add(SameDiffOp op, Step step) {
        List<String> argNames = inputsOf(op);
        for (int i = 0; i < argNames.size(); i++) {
            String root = root(argNames.get(i));
            if (isParameter(root)) parameter(root).addReader(step, i);
        }
        List<LongShapeDescriptor> shapes = step.outputShapes(sd);
        INDArray[] outs = new INDArray[shapes.size()];
        for (int i = 0; i < outs.length; i++) {
            String name = op.getOutputsOfOp().get(i);
            int from = step.passedThrough(i);
            String source = from < 0 ? null : argNames.get(from);
            if (source != null && canShare(name, source) && Arrays.equals(array(source).shape(), shapes.get(i).getShape())) {
                // the output is the argument: one memory, kept until the output's last reader too
                outs[i] = array(source);
                viewOf.put(name, source);
                lastRead.merge(root(source), lastRead.get(name), Math::max);
            } else {
                outs[i] = pool.take(shapes.get(i));
            }
            arrays.put(name, outs[i]);
        }
        step.setOutputs(outs);
        step.exec();
        for (int i = 0; i < outs.length; i++) {
            if (step.ctx.getOutputArray(i) != outs[i]) {
                throw new IllegalStateException(step.describe() + " replaced its output array " + i);
            }
        }
        steps.add(step);
    }

    private void addView(SameDiffOp op) {
        String in = inputsOf(op).get(0), out = op.getOutputsOfOp().get(0);
        if (isParameter(root(in))) return; // an identity of a parameter: read as the parameter itself
        INDArray source = array(in);
        if (op.getOp() instanceof Identity) {
            arrays.put(out, source);
            return;
        }
        if (op.getOp() instanceof Unstack) {
            // the blocks of a c-order array along its first axis, each a view at its offset
            List<String> outs = op.getOutputsOfOp();
            long[] shape = Arrays.copyOfRange(source.shape(), 1, source.rank());
            long block = source.length() / outs.size();
            for (int i = 0; i < outs.size(); i++) {
                arrays.put(outs.get(i), Nd4j.create(source.data(), shape, Nd4j.getStrides(shape, 'c'),
                        source.offset() + i * block, 'c', source.dataType()));
            }
            return;
        }
        Step probe = new OpStep(op, args(op)); // only for the reshape's shape function (a shape input holds its values by now)
        long[] shape = probe.outputShapes(sd).get(0).getShape();
        probe.close();
        arrays.put(out, Nd4j.create(source.data(), shape, Nd4j.getStrides(shape, 'c'), source.offset(), 'c', source.dataType()));
    }

    /**
     * Whether output {@code name} may be the memory of argument {@code source}: an intermediate
     * of the plan's own, and neither a requested output (each output keeps a memory of its own,
     * which a caller may change in place, as a trainer clipping gradients does).
     */
    private boolean canShare(String name, String source) {
        String r = root(source);
        return type(r) == VariableType.ARRAY && lastRead.get(r) != Integer.MAX_VALUE && !outputNames.contains(name);
    }

    /** After op k: the buffers whose arrays (and views) nothing reads any more go back to the pool. */
    private void releaseAfter(int k, SameDiffOp op) {
        Set<String> roots = new HashSet<>();
        inputsOf(op).forEach(n -> roots.add(root(n)));
        op.getOutputsOfOp().forEach(n -> roots.add(root(n)));
        for (String r : roots) {
            Integer last = lastRead.get(r);
            if (last != null && last == k && arrays.containsKey(r)) pool.release(arrays.get(r));
        }
    }

    /** The array of a placeholder, intermediate or view (placeholder buffers made on first use), or a parameter's. */
    private INDArray array(String name) {
        String root = root(name);
        if (isParameter(root)) return parameter(root).array;
        if (type(root) == VariableType.PLACEHOLDER && !inputs.containsKey(root)) {
            INDArray buffer = inputBuffer(root);
            inputs.put(root, buffer);
            arrays.put(root, buffer);
        }
        return arrays.get(name);
    }

    private BoundParameter parameter(String name) {
        return parameters.computeIfAbsent(name, n -> new BoundParameter(sd, n));
    }

    private VariableType type(String name) {
        return sd.getVariable(name).getVariableType();
    }

    private boolean isParameter(String name) {
        return type(name) == VariableType.VARIABLE || type(name) == VariableType.CONSTANT;
    }

    /** The variable whose memory {@code name} is: itself, or the start of a chain of views. */
    private String root(String name) {
        String r = name;
        while (viewOf.containsKey(r)) r = viewOf.get(r);
        return r;
    }

    private void findViews() {
        for (SameDiffOp op : ops) {
            DifferentialFunction fn = op.getOp();
            List<String> in = inputsOf(op);
            boolean ownArray = !in.isEmpty() && !isParameter(root(in.get(0)));
            // a reshape's shape comes as integers or as a second input: in a training graph, the gradient of a
            // reshape is a reshape to shape_of(its input), whose values depend on the input's shape only, as every
            // shape in a plan does (see ExecutionPlan)
            boolean cReshape = fn instanceof Reshape r && in.size() <= 2 && r.iArgs().length > 0 && r.iArgs()[0] == Reshape.C_ORDER;
            boolean unstackFirstAxis = fn instanceof Unstack u && u.iArgs().length == 1 && u.iArgs()[0] == 0;
            if (fn instanceof Identity || ownArray && (cReshape || unstackFirstAxis && in.size() == 1)) {
                for (String out : op.getOutputsOfOp()) viewOf.put(out, in.get(0));
            }
        }
    }

    private void findLastReads() {
        for (int k = 0; k < ops.size(); k++) {
            for (String out : ops.get(k).getOutputsOfOp()) lastRead.putIfAbsent(root(out), k); // done once made, if never read
            List<String> in = inputsOf(ops.get(k));
            for (int i = 0; i < in.size(); i++) {
                String r = root(in.get(i));
                if (type(r) == VariableType.ARRAY && !ShapeOnlyReads.of(ops.get(k), i, groups)) lastRead.put(r, k);
            }
        }
        for (String out : outputNames) lastRead.put(root(out), Integer.MAX_VALUE);
    }

    /** The ops needed for the outputs, each after the ops producing its inputs. */
    private List<SameDiffOp> orderedOps() {
        Set<String> needed = new HashSet<>();
        Deque<String> toVisit = new ArrayDeque<>();
        for (String out : outputNames) {
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

    private INDArray inputBuffer(String name) {
        long[] shape = inputShapes.get(name);
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
}
