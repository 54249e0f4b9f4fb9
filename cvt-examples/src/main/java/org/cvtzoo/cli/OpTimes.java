package org.cvtzoo.cli;

import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.io.PrintStream;
import java.util.HashMap;
import java.util.Map;

/**
 * Wall time per op type, from the op callbacks of a SameDiff listener (called by SameDiff's
 * {@code output()} and by execution plans alike): where a forward pass spends its time.
 */
final class OpTimes extends BaseListener {
    private final Map<String, long[]> byOp = new HashMap<>();
    private long started;

    @Override
    public boolean isActive(Operation operation) {
        return true;
    }

    @Override
    public void preOpExecution(SameDiff sd, At at, SameDiffOp op, OpContext ctx) {
        started = System.nanoTime();
    }

    @Override
    public void opExecution(SameDiff sd, At at, MultiDataSet batch, SameDiffOp op, OpContext ctx, INDArray[] outputs) {
        long[] t = byOp.computeIfAbsent(op.getOp().opName(), k -> new long[2]);
        t[0] += System.nanoTime() - started;
        t[1]++;
    }

    void reset() {
        byOp.clear();
    }

    /** The op types by total time, per forward pass; {@code outside}: what the time outside ops is. */
    void print(PrintStream out, int passes, double forwardMs, String outside) {
        double inOps = byOp.values().stream().mapToLong(t -> t[0]).sum() / 1e6 / passes;
        long ops = byOp.values().stream().mapToLong(t -> t[1]).sum() / passes;
        out.printf("  %d ops per forward; %.1f of %.1f ms inside ops, %.1f ms outside (%s)%n", ops, inOps, forwardMs,
                forwardMs - inOps, outside);
        byOp.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0])).limit(20)
                .forEach(e -> out.printf("  %-40s %8.1f ms %6d calls%n", e.getKey(), e.getValue()[0] / 1e6 / passes,
                        e.getValue()[1] / passes));
    }
}
