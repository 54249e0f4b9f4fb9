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
 *
 * <p><b>Rewrites.</b> On the CPU backend a plan also runs op chains, and single ops that M2.1
 * runs slowly, as faster steps: a list of {@link org.cvtzoo.core.exec.Rewrite}s, each a small
 * class matching one pattern on the {@link org.cvtzoo.core.exec.OpGraph}, tried in order on
 * each op. First oneDNN's primitives ({@code DnnlRewrites}, through {@link
 * org.cvtzoo.core.exec.OneDnn}: matmuls with their bias and activation or residual as
 * post-ops, the attention products, matmul backward, softmax, LayerNorm, permutes), then the
 * Java kernels ({@code JavaRewrites}, {@code JavaKernels}, {@code FloatKernels}: what oneDNN
 * does not take, chiefly a training graph's element-wise backward ops, and everything where
 * oneDNN is off). Each implementation decides on the bound arrays whether it can take them;
 * where it cannot, the group runs as the graph's own ops. A plan lists what fired
 * ({@link org.cvtzoo.core.exec.ExecutionPlan#rewrites()}; {@code bin/cvt bench --profile}).
 * What M2.1 does on each call and what a plan had to know about it: docs/samediff-findings.md.
 *
 * <p>{@link org.cvtzoo.core.exec.Execution} says whether the zoo runs its inference graphs on
 * plans (the default) or on SameDiff's {@code output()} ({@code -Dcvt.exec=samediff}).
 */
package org.cvtzoo.core.exec;
