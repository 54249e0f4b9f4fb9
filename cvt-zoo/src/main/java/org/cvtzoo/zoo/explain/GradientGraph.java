package org.cvtzoo.zoo.explain;

import org.cvtzoo.core.exec.Execution;
import org.cvtzoo.core.exec.ExecutionPlan;
import org.cvtzoo.core.graph.Scope;
import org.cvtzoo.zoo.Architecture;
import org.cvtzoo.zoo.VisionModel;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's inference graph for one input size (BatchNorm on running statistics, as in
 * evaluation), differentiated by SameDiff as the training graphs are: the loss is the class
 * score {@code sum_b target[b] . logits[b]} (one-hot targets pick each image's class logit), and
 * the gradients asked for are those of the activations the explanations read (the token grid
 * and the attention probabilities), not of the parameters.
 */
final class GradientGraph {
    private static final String INPUT = "input";
    private static final String TARGET = "target";
    private static final String GRAD_FN = "grad"; // SameDiff.GRAD_FN_KEY (not public in M2.1)

    final Architecture.Explained explained;
    private final SameDiff sd;
    private final String logits;
    private final String grid;
    private final List<String> attentions = new ArrayList<>();
    private ExecutionPlan plan;
    private String planKey;

    /** What one pass gave (the gradients only where asked). */
    record Pass(INDArray logits, INDArray grid, INDArray gridGradient, List<INDArray> attentions, List<INDArray> attentionGradients) {
    }

    GradientGraph(VisionModel model, long h, long w) {
        Architecture arch = model.architecture();
        sd = SameDiff.create();
        SDVariable input = sd.placeHolder(INPUT, DataType.FLOAT, -1, 3, h, w);
        SDVariable target = sd.placeHolder(TARGET, DataType.FLOAT, -1, arch.numClasses());
        Architecture.Outputs o = arch.build(Scope.forGradients(sd, model.parameters()), input, h, w);
        if (o.explained() == null) throw new IllegalStateException(arch.name() + " gives nothing to explain");
        explained = o.explained();
        SDVariable score = target.mul(o.logits()).sum();
        sd.setLossVariables(score);
        logits = o.logits().name();
        grid = explained.grid().name();
        List<String> differentiate = new ArrayList<>(List.of(grid));
        for (SDVariable a : explained.blockAttentions()) {
            attentions.add(a.name());
            differentiate.add(a.name());
        }
        java.io.PrintStream out = System.out; // M2.1 prints a line per differentiated op
        synchronized (System.class) {
            System.setOut(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
            try {
                sd.createGradFunction(differentiate.toArray(new String[0]));
            } finally {
                System.setOut(out);
            }
        }
    }

    /** Forward (and, with {@code gradients}, backward) on a preprocessed batch and one-hot targets. */
    synchronized Pass run(INDArray input, INDArray target, boolean gradients) {
        SameDiff g = sd.getFunction(GRAD_FN);
        List<String> wanted = new ArrayList<>(List.of(logits, grid));
        wanted.addAll(attentions);
        if (gradients) {
            wanted.add(gradientName(grid));
            for (String a : attentions) wanted.add(gradientName(a));
        }
        Map<String, INDArray> feed = new LinkedHashMap<>();
        feed.put(INPUT, input.castTo(DataType.FLOAT));
        feed.put(TARGET, target.castTo(DataType.FLOAT));
        Map<String, INDArray> out;
        if (Execution.configured() == Execution.SAMEDIFF) {
            out = g.output(feed, wanted.toArray(new String[0]));
        } else {
            String key = wanted + " " + input.size(0);
            if (!key.equals(planKey)) {
                if (plan != null) plan.close();
                plan = null;
                plan = ExecutionPlan.build(g, Map.of(INPUT, input.shape(), TARGET, target.shape()), wanted);
                planKey = key;
            }
            out = plan.run(feed);
        }
        List<INDArray> attn = new ArrayList<>(), attnGrad = new ArrayList<>();
        for (String a : attentions) {
            attn.add(out.get(a));
            if (gradients) attnGrad.add(out.get(gradientName(a)));
        }
        return new Pass(out.get(logits), out.get(grid), gradients ? out.get(gradientName(grid)) : null, attn, attnGrad);
    }

    private String gradientName(String variable) {
        SDVariable gradient = sd.getVariable(variable).getGradient();
        if (gradient == null) throw new IllegalStateException("no gradient for " + variable);
        return gradient.name();
    }
}
