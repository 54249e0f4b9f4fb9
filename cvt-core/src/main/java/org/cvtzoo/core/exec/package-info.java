/**
 * Inference without SameDiff's per-call bookkeeping.
 *
 * <p>SameDiff 1.0.0-M2.1's {@code output()} prepares every op again on each call: it tracks
 * dependencies, sets each op's arguments, runs shape functions, and takes every output array
 * from a cache keyed by shape strings (new arrays are zero-filled, and first-touched pages are
 * slow). An {@link org.cvtzoo.core.exec.ExecutionPlan} does that once for a graph and one input
 * shape: the graph's own ops in a valid order, each with a reusable context whose inputs and
 * outputs are bound once, intermediates in buffers shared where their lifetimes do not
 * overlap, and c-order reshapes and first-axis unstacks of its own arrays as views instead of
 * copies. A run copies the inputs in, makes one native call per op, and copies the outputs out.
 * On the CPU backend a plan also runs some chains of ops, and some single ops that M2.1 runs
 * slowly, as Java kernels ({@code Fusions}, {@code FloatKernels}), within about 1e-7 of the
 * ops they replace. What M2.1 does on each call and what a plan had to know about it:
 * docs/samediff-findings.md.
 *
 * <p>{@link org.cvtzoo.core.exec.Execution} says whether the zoo runs its inference graphs on
 * plans (the default) or on SameDiff's {@code output()} ({@code -Dcvt.exec=samediff}).
 */
package org.cvtzoo.core.exec;
