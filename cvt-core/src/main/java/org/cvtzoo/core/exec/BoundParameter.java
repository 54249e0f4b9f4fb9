package org.cvtzoo.core.exec;

import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A variable or constant of the graph, bound in place into the contexts of the steps that read it. */
final class BoundParameter {
    final String name;
    INDArray array;
    private final List<Step> readers = new ArrayList<>();
    private final List<Integer> argIndices = new ArrayList<>();

    BoundParameter(SameDiff sd, String name) {
        this.name = name;
        this.array = sd.getArrForVarName(name);
        if (array == null) throw new IllegalStateException("variable " + name + " has no array");
    }

    void addReader(Step step, int argIndex) {
        readers.add(step);
        argIndices.add(argIndex);
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
