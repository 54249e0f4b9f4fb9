package org.cvtzoo.zoo.explain;

import org.cvtzoo.core.image.RgbImage;
import org.cvtzoo.core.ZooException;
import org.cvtzoo.zoo.Architecture;
import org.cvtzoo.zoo.VisionModel;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Explanation maps of a model over its patch grid, {@code [B, h, w]} (raw values: not rescaled),
 * by {@link Method}. Each method is computed only where it is well defined:
 * <ul>
 *   <li>{@code last}: where the model has an attention map (ViT; CvT with a class token in its
 *       last stage; PatchConvNet): heads averaged; one token per class: the class's map;</li>
 *   <li>{@code rollout} and {@code chefer}: ViT only. They multiply square self-attention
 *       matrices through the blocks. CvT's keys and values come from a strided convolutional
 *       projection, so its attention matrices are {@code n x n'} (not square) and between them
 *       convolutions mix the tokens; PatchConvNet has one attention layer over a convolutional
 *       trunk. Both are refused, not approximated;</li>
 *   <li>{@code gradcam}: every family, over the patch tokens entering the last attention block
 *       (see {@link Architecture.Explained#grid()});</li>
 *   <li>{@code class-attention}: PatchConvNet only.</li>
 * </ul>
 * Gradients come from SameDiff's differentiation of the inference graph (as training does).
 */
public final class Explainer {
    private static final int GRAPH_CACHE = 2;

    private final VisionModel model;
    private final Map<String, GradientGraph> graphs = new LinkedHashMap<>(4, 0.75f, true);

    /** The maps, the class each was made for, and the logits of the input. */
    public record Explanation(Method method, INDArray maps, int[] classes, INDArray logits) {
    }

    public Explainer(VisionModel model) {
        this.model = model;
    }

    private static final Map<VisionModel, Explainer> OF = new java.util.WeakHashMap<>();

    /** The model's explainer, kept while the model is (its gradient graphs are built on first use and kept). */
    public static synchronized Explainer of(VisionModel model) {
        return OF.computeIfAbsent(model, Explainer::new);
    }

    /**
     * Explanation maps {@code [B, h, w]} of images over the patch grid by {@code method}, for each
     * image's class ({@code labels}: a class name or index per image; null: the predicted class).
     * (The explainer knows the model, not the other way round: no package cycle.)
     */
    public Explanation explain(List<RgbImage> images, Method method, List<String> labels) {
        int[] classes = null;
        if (labels != null) {
            if (labels.size() != images.size()) {
                throw new ZooException(labels.size() + " class labels for " + images.size() + " images");
            }
            classes = labels.stream().mapToInt(l -> classIndex(model.classNames(), l)).toArray();
        }
        check(method); // before preprocessing: an undefined method is the user's first problem
        return explain(model.preprocess(images), method, classes, Rollout.DEFAULT);
    }

    /** Null where {@code method} is defined for the architecture, else why not (one sentence). */
    public static String undefinedBecause(Architecture arch, Method method, boolean hasAttentionMap) {
        String family = arch.family();
        return switch (method) {
            case GRADCAM -> null;
            case LAST -> hasAttentionMap ? null
                    : arch.name() + " has no attention map (its last stage has no class token); use gradcam";
            case CLASS_ATTENTION -> family.equals("patchconvnet") ? null
                    : "class-attention is PatchConvNet's class-attention pooling; " + arch.name() + " is a " + family
                    + " model (use last or gradcam)";
            case ROLLOUT, CHEFER -> switch (family) {
                case "vit" -> null;
                case "cvt" -> method + " is not defined for CvT: its keys and values come from a strided convolutional"
                        + " projection, so its attention matrices are not square and convolutions mix the tokens between"
                        + " them (use gradcam, or last)";
                case "patchconvnet" -> method + " is not defined for PatchConvNet: it has a single attention layer, over a"
                        + " convolutional trunk (use class-attention or gradcam)";
                default -> method + " is not defined for " + family + " models";
            };
        };
    }

    /** Throws a {@link ZooException} where the method is not defined for this model. */
    public void check(Method method) {
        String why = undefinedBecause(model.architecture(), method, model.hasAttentionMap());
        if (why != null) throw new ZooException(why);
    }

    /**
     * Maps of a preprocessed batch {@code [B, 3, H, W]} for each image's class ({@code classes}
     * null: the predicted class of each).
     */
    public Explanation explain(INDArray input, Method method, int[] classes, Rollout rollout) {
        check(method);
        long batch = input.size(0);
        VisionModel.Output out = model.forward(input);
        int[] cls = classes != null ? checkClasses(classes, batch) : argmax(out.logits());
        INDArray maps = switch (method) {
            case LAST, CLASS_ATTENTION -> attentionMaps(out.attention(), cls);
            case ROLLOUT -> {
                GradientGraph g = graph(input);
                GradientGraph.Pass p = g.run(input, oneHot(cls), false);
                yield grid(rollout.apply(p.attentions()), g.explained);
            }
            case CHEFER -> {
                GradientGraph g = graph(input);
                GradientGraph.Pass p = g.run(input, oneHot(cls), true);
                yield grid(Rollout.chefer(p.attentions(), p.attentionGradients()), g.explained);
            }
            case GRADCAM -> {
                GradientGraph g = graph(input);
                GradientGraph.Pass p = g.run(input, oneHot(cls), true);
                yield gradCam(p.grid(), p.gridGradient(), g.explained, batch);
            }
        };
        return new Explanation(method, maps.castTo(DataType.FLOAT), cls, out.logits());
    }

    /** Heads averaged; with one map per class, the class's. */
    private INDArray attentionMaps(INDArray attention, int[] cls) {
        if (!model.architecture().attentionPerClass()) return attention.castTo(DataType.DOUBLE).mean(1);
        INDArray out = Nd4j.create(DataType.DOUBLE, attention.size(0), attention.size(2), attention.size(3));
        for (int b = 0; b < cls.length; b++) {
            out.get(NDArrayIndex.point(b)).assign(attention.get(NDArrayIndex.point(b), NDArrayIndex.point(cls[b])));
        }
        return out;
    }

    /**
     * Selvaraju et al.'s Grad-CAM on the token grid A {@code [C, h, w]}: weights the spatial mean
     * of the class score's gradient, map {@code relu(sum_c w_c A_c)}.
     */
    private static INDArray gradCam(INDArray tokens, INDArray gradient, Architecture.Explained e, long batch) {
        long n = e.tokens(), c = e.channels(), hw = e.h() * e.w();
        INDArray a = tokens.castTo(DataType.DOUBLE).reshape(batch, n, c).get(NDArrayIndex.all(), NDArrayIndex.interval(n - hw, n), NDArrayIndex.all());
        INDArray g = gradient.castTo(DataType.DOUBLE).reshape(batch, n, c).get(NDArrayIndex.all(), NDArrayIndex.interval(n - hw, n), NDArrayIndex.all());
        INDArray out = Nd4j.create(DataType.DOUBLE, batch, e.h(), e.w());
        for (long b = 0; b < batch; b++) {
            INDArray weights = g.get(NDArrayIndex.point(b)).mean(0).reshape(c, 1);
            INDArray cam = Transforms.relu(a.get(NDArrayIndex.point(b)).mmul(weights), false); // [hw, 1]
            out.get(NDArrayIndex.point(b)).assign(cam.reshape(e.h(), e.w()));
        }
        return out;
    }

    private static INDArray grid(INDArray rows, Architecture.Explained e) {
        return rows.reshape(rows.size(0), e.h(), e.w());
    }

    private GradientGraph graph(INDArray input) {
        long h = input.size(2), w = input.size(3);
        synchronized (graphs) {
            String key = h + "x" + w;
            GradientGraph g = graphs.get(key);
            if (g == null) {
                model.architecture().checkInputSize(h, w);
                g = new GradientGraph(model, h, w);
                graphs.put(key, g);
                if (graphs.size() > GRAPH_CACHE) graphs.remove(graphs.keySet().iterator().next());
            }
            return g;
        }
    }

    private int[] checkClasses(int[] classes, long batch) {
        if (classes.length != batch) {
            throw new ZooException(classes.length + " classes for a batch of " + batch + " images");
        }
        int n = model.architecture().numClasses();
        for (int c : classes) {
            if (c < 0 || c >= n) throw new ZooException("class " + c + " is not one of the model's " + n + " classes (0 to " + (n - 1) + ")");
        }
        return classes.clone();
    }

    private INDArray oneHot(int[] cls) {
        INDArray t = Nd4j.zeros(DataType.FLOAT, cls.length, model.architecture().numClasses());
        for (int b = 0; b < cls.length; b++) t.putScalar(b, cls[b], 1.0);
        return t;
    }

    static int[] argmax(INDArray logits) {
        int[] out = new int[(int) logits.size(0)];
        for (int b = 0; b < out.length; b++) out[b] = logits.getRow(b).argMax().getInt(0);
        return out;
    }

    /** The class index of a label ("top" is not a label: pass null classes for the predicted ones). */
    public static int classIndex(List<String> names, String label) {
        int i = names.indexOf(label);
        if (i >= 0) return i;
        try {
            int k = Integer.parseInt(label);
            if (k >= 0 && k < names.size()) return k;
        } catch (NumberFormatException ignored) {
            // not a number either
        }
        throw new ZooException("unknown class '" + label + "': the model's classes are "
                + (names.size() <= 12 ? String.join(", ", names) : String.join(", ", names.subList(0, 10)) + ", ... ("
                + names.size() + " in all)") + ", or an index 0 to " + (names.size() - 1));
    }
}
