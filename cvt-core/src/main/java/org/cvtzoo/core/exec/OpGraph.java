package org.cvtzoo.core.exec;

import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.ScalarOp;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.bp.AddBpOp;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The ops of a plan as a graph that rewrites match patterns in: who reads and who produces each
 * variable, which ops an earlier group took, and the small questions patterns ask (the only
 * reader of a value, a linear layer's bias, the other argument of an op).
 *
 * <p>A chain matches only when its intermediates are read by nothing else and are not requested
 * outputs, so the group's output is the only value that leaves it. Training graphs read the
 * intermediates in the backward pass, so most of their chains stay as they are.
 */
final class OpGraph {
    private final SameDiff sd;
    private final Map<String, List<SameDiffOp>> readers = new HashMap<>();
    private final Map<String, SameDiffOp> producers = new HashMap<>();
    /** Each op's place in the plan's order. */
    private final Map<String, Integer> positions = new HashMap<>();
    private final Set<String> requested;
    private final Set<String> taken = new HashSet<>();

    private OpGraph(SameDiff sd, List<SameDiffOp> ops, List<String> outputs) {
        this.sd = sd;
        this.requested = Set.copyOf(outputs);
        for (SameDiffOp op : ops) {
            positions.put(op.getName(), positions.size());
            for (String in : inputs(op)) readers.computeIfAbsent(in, k -> new ArrayList<>()).add(op);
            for (String out : op.getOutputsOfOp()) producers.put(out, op);
        }
    }

    /**
     * The ops in order with each group that a rewrite matched replaced by its stand-in op, at
     * the place of its first member after which every argument of the group is available
     * ({@link #place}). The rewrites that are {@linkplain Rewrite#matchedFirst() matched first}
     * go over all ops before the others; then the first rewrite in the list that matches an op
     * wins. Once a group is made, its stand-in reads its arguments in place of its members.
     */
    static List<SameDiffOp> rewrite(SameDiff sd, List<SameDiffOp> graphOps, List<String> outputs, List<Rewrite> rewrites,
                                    Map<String, Rewrite.Group> groups) {
        List<SameDiffOp> ops = biasGradientsReadingSums(sd, graphOps);
        OpGraph g = new OpGraph(sd, ops, outputs);
        Map<String, Rewrite.Group> byPlace = new HashMap<>();
        List<Rewrite> first = rewrites.stream().filter(Rewrite::matchedFirst).toList();
        List<Rewrite> rest = rewrites.stream().filter(r -> !r.matchedFirst()).toList();
        for (List<Rewrite> pass : List.of(first, rest)) {
            for (SameDiffOp op : ops) {
                if (g.taken.contains(op.getName())) continue;
                for (Rewrite r : pass) {
                    Rewrite.Group group = r.match(g, op);
                    if (group == null) continue;
                    SameDiffOp at = g.place(group);
                    byPlace.put(at.getName(), group);
                    g.positions.put(group.op().getName(), g.position(at));
                    g.take(group);
                    groups.put(group.op().getName(), group);
                    break;
                }
            }
        }
        List<SameDiffOp> result = new ArrayList<>();
        for (SameDiffOp op : ops) {
            Rewrite.Group group = byPlace.get(op.getName());
            if (group != null) {
                result.add(group.op());
            } else if (!g.taken.contains(op.getName())) {
                result.add(op);
            }
        }
        return result;
    }

    /**
     * The ops, with each linear layer's bias gradient ({@code add_bp(product, bias, dy)}) reading
     * the bias add's output in place of the product: it reads that operand for its shape only
     * ({@link ShapeOnlyReads}), and the two have the same shape (the bias runs along the
     * product's last axis, as long as the weights' output side). Then the bias add alone reads
     * the product, so that a training graph's product and bias run as one step, as at inference.
     */
    private static List<SameDiffOp> biasGradientsReadingSums(SameDiff sd, List<SameDiffOp> ops) {
        Map<String, SameDiffOp> producers = new HashMap<>();
        Map<List<String>, SameDiffOp> addsByInputs = new HashMap<>();
        for (SameDiffOp op : ops) {
            for (String out : op.getOutputsOfOp()) producers.put(out, op);
            if (op.getOp() instanceof AddOp && op.getOutputsOfOp().size() == 1) addsByInputs.put(inputs(op), op);
        }
        List<SameDiffOp> result = new ArrayList<>(ops.size());
        for (SameDiffOp op : ops) {
            List<String> in = inputs(op);
            SameDiffOp add = op.getOp() instanceof AddBpOp && in.size() == 3 ? addsByInputs.get(in.subList(0, 2)) : null;
            SameDiffOp product = add == null ? null : producers.get(in.get(0));
            if (product != null && product.getOp() instanceof Mmul mm && productWidthIs(sd, mm, inputs(product), in.get(1))) {
                result.add(new SameDiffOp(op.getName(), op.getOp(), List.of(out(add), in.get(1), in.get(2)), op.getOutputsOfOp(),
                        null, null, null));
            } else {
                result.add(op);
            }
        }
        return result;
    }

    /** Whether {@code bias} is a vector parameter as long as the product's last axis, whose weights are a matrix parameter. */
    private static boolean productWidthIs(SameDiff sd, Mmul mm, List<String> productInputs, String bias) {
        long[] flags = mm.iArgs();
        boolean transB = flags.length > 1 && flags[1] != 0, transResult = flags.length > 2 && flags[2] != 0;
        if (productInputs.size() != 2 || transResult) return false;
        INDArray w = parameterArray(sd, productInputs.get(1)), b = parameterArray(sd, bias);
        return w != null && b != null && w.rank() == 2 && b.rank() == 1 && b.length() == w.size(transB ? 0 : 1);
    }

    private static INDArray parameterArray(SameDiff sd, String name) {
        VariableType t = sd.getVariable(name).getVariableType();
        return t == VariableType.VARIABLE || t == VariableType.CONSTANT ? sd.getArrForVarName(name) : null;
    }

    /**
     * The member at whose place the group's stand-in runs: the first one after the ops that make
     * its arguments, so that ops between its members that read its outputs (a BatchNorm's batch
     * statistics, read as soon as they are made) find them; the last member where an output
     * is read before that place.
     */
    private SameDiffOp place(Rewrite.Group group) {
        int ready = -1;
        for (String arg : inputs(group.op())) {
            SameDiffOp p = producers.get(arg);
            if (p != null) ready = Math.max(ready, position(p));
        }
        List<SameDiffOp> members = new ArrayList<>(group.members());
        members.sort(java.util.Comparator.comparing(this::position));
        SameDiffOp at = members.get(members.size() - 1);
        for (SameDiffOp m : members) {
            if (position(m) > ready) {
                at = m;
                break;
            }
        }
        for (String o : group.op().getOutputsOfOp()) {
            for (SameDiffOp r : readers(o)) {
                if (!group.members().contains(r) && position(r) <= position(at)) return members.get(members.size() - 1);
            }
        }
        return at;
    }

    /** Marks the group's members taken; its stand-in reads its arguments and makes its outputs in their place. */
    private void take(Rewrite.Group group) {
        for (SameDiffOp m : group.members()) {
            taken.add(m.getName());
            for (String in : inputs(m)) readers.get(in).remove(m);
        }
        for (String in : inputs(group.op())) readers.computeIfAbsent(in, k -> new ArrayList<>()).add(group.op());
        for (String out : group.op().getOutputsOfOp()) producers.put(out, group.op());
    }

    /** A group of {@code members} (in the plan's order) with the given arguments, whose output is the last member's. */
    Rewrite.Group group(Rewrite rewrite, String description, Rewrite.Implementation implementation,
                        List<SameDiffOp> members, List<String> args) {
        return group(rewrite, description, implementation, members, args, members.get(members.size() - 1).getOutputsOfOp());
    }

    /** A group whose outputs are the given values of its members. */
    Rewrite.Group group(Rewrite rewrite, String description, Rewrite.Implementation implementation,
                        List<SameDiffOp> members, List<String> args, List<String> outputs) {
        SameDiffOp last = members.get(members.size() - 1);
        SameDiffOp op = new SameDiffOp(last.getName() + "/" + rewrite.name(), new Rewrite.StandIn(description),
                List.copyOf(args), List.copyOf(outputs), null, null, null);
        return new Rewrite.Group(rewrite, op, implementation, List.copyOf(members));
    }

    /** The one untaken reader of {@code variable} of the given type with exactly these inputs (others may read it too); else null. */
    SameDiffOp readerWith(String variable, Class<?> type, List<String> inputs) {
        return readerWith(variable, type, inputs::equals);
    }

    /** The one untaken reader of {@code variable} of the given type whose inputs pass {@code inputs} (others may read it too); else null. */
    SameDiffOp readerWith(String variable, Class<?> type, java.util.function.Predicate<List<String>> inputs) {
        SameDiffOp found = null;
        for (SameDiffOp r : readers(variable)) {
            if (!type.isInstance(r.getOp()) || taken.contains(r.getName()) || !inputs.test(inputs(r)) || r == found) continue;
            if (found != null) return null;
            found = r;
        }
        return found;
    }

    /** Whether exactly these ops read {@code variable}, and it is not an output. */
    boolean readOnlyBy(String variable, SameDiffOp... ops) {
        return !isRequested(variable) && new HashSet<>(readers(variable)).equals(Set.of(ops));
    }

    /** The op's place in the plan's order. */
    int position(SameDiffOp op) {
        return positions.get(op.getName());
    }

    SameDiffOp producer(String variable) {
        SameDiffOp p = producers.get(variable);
        return p == null || taken.contains(p.getName()) ? null : p;
    }

    List<SameDiffOp> readers(String variable) {
        return readers.getOrDefault(variable, List.of());
    }

    boolean isRequested(String variable) {
        return requested.contains(variable);
    }

    /** The only op reading {@code op}'s single output, if it is of the given type and that output is not requested. */
    SameDiffOp soleReader(SameDiffOp op, Class<?> type) {
        return op.getOutputsOfOp().size() == 1 ? soleReaderOf(out(op), type) : null;
    }

    SameDiffOp soleReaderOf(String variable, Class<?> type) {
        List<SameDiffOp> r = readers(variable);
        if (r.size() != 1 || requested.contains(variable) || !type.isInstance(r.get(0).getOp())) return null;
        return taken.contains(r.get(0).getName()) ? null : r.get(0);
    }

    /**
     * The op making {@code x} if it adds a parameter (a linear layer's bias) to an array, and
     * nothing but {@code chainReaders} reads x: then the chain can take the addition in.
     */
    SameDiffOp biasAddReadOnlyBy(String x, List<SameDiffOp> chainReaders) {
        SameDiffOp add = producer(x);
        if (add == null || !(add.getOp() instanceof AddOp) || biasOf(add) == null || requested.contains(x)) return null;
        List<SameDiffOp> r = readers(x);
        return r.size() == chainReaders.size() && r.containsAll(chainReaders) ? add : null;
    }

    /** The parameter argument of a two-argument add whose other argument is not a parameter; else null. */
    String biasOf(SameDiffOp add) {
        List<String> in = inputs(add);
        if (in.size() != 2) return null;
        boolean first = isParameter(in.get(0)), second = isParameter(in.get(1));
        return first == second ? null : first ? in.get(0) : in.get(1);
    }

    /** The arguments of a bias add as a kernel takes them: the array, then the bias. */
    List<String> biasAddArgs(SameDiffOp add) {
        String bias = biasOf(add);
        return List.of(other(add, bias), bias);
    }

    boolean isParameter(String name) {
        VariableType t = sd.getVariable(name).getVariableType();
        return t == VariableType.VARIABLE || t == VariableType.CONSTANT;
    }

    /** The argument of a two-argument op other than {@code known}. */
    static String other(SameDiffOp op, String known) {
        List<String> in = inputs(op);
        if (in.size() != 2 || in.get(0).equals(in.get(1))) return null;
        return in.get(0).equals(known) ? in.get(1) : in.get(1).equals(known) ? in.get(0) : null;
    }

    static boolean isScalar(SameDiffOp op, float value) {
        INDArray s = ((ScalarOp) op.getOp()).scalar();
        return inputs(op).size() == 1 && s != null && s.length() == 1 && s.getFloat(0) == value;
    }

    static String out(SameDiffOp op) {
        return op.getOutputsOfOp().get(0);
    }

    static List<String> inputs(SameDiffOp op) {
        return op.getInputsToOp() == null ? List.of() : op.getInputsToOp();
    }
}
