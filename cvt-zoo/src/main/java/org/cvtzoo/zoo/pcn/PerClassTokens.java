package org.cvtzoo.zoo.pcn;

import org.cvtzoo.core.ZooException;
import org.cvtzoo.core.graph.ParamStore;
import org.cvtzoo.zoo.VisionModel;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Map;

/**
 * A one-class-token PatchConvNet made into deit's {@code multiclass} form, as the paper
 * fine-tunes it: the class token copied once per class, and, where the class count stays, row i
 * of the head becoming {@code head.i}; every other parameter as it was.
 *
 * <p>By default the converted model sets the spec's {@code multiclass_attend_own_token}: each class
 * token attends to [itself, the patches], as the one-token layer did, so the converted model's
 * logits are the source's (to float rounding). deit's own per-class layer
 * ({@code Learned_Aggregation_Layer_multi}) takes its keys and values from the patches alone; a
 * conversion to that form ({@code attendOwnToken} false) changes the logits by that share of
 * the attention (0.55% of the largest logit on the test model, pcn_tiny).
 */
public final class PerClassTokens {
    private PerClassTokens() {
    }

    /** The model with one class token per class, for its own classes (head rows become the per-class heads); same logits. */
    public static VisionModel convert(VisionModel single) {
        return convert(single, single.architecture().numClasses());
    }

    /**
     * The model with {@code classes} class tokens, each a copy of its class token and attending to
     * itself and the patches (the one-token computation). For the model's own class count the
     * head's rows become the per-class heads; for another, the heads are new (deit's
     * initialisation), as fine-tuning on new classes wants.
     */
    public static VisionModel convert(VisionModel single, int classes) {
        return convert(single, classes, true);
    }

    /**
     * As {@link #convert(VisionModel, int)}; {@code attendOwnToken} false gives deit's per-class
     * layer (keys and values from the patches alone), whose logits differ from the source's.
     */
    public static VisionModel convert(VisionModel single, int classes, boolean attendOwnToken) {
        if (!(single.architecture() instanceof PatchConvNet pcn)) {
            throw new ZooException("one class token per class (deit's multiclass) is a PatchConvNet form; "
                    + single.architecture().name() + " is a " + single.architecture().family() + " model");
        }
        if (pcn.spec().multiclass()) {
            throw new ZooException(pcn.name() + " already has one class token per class");
        }
        if (classes < 1) throw new ZooException("the number of classes must be at least 1, got " + classes);
        boolean sameClasses = classes == pcn.numClasses();
        // a registered variant's name as deit's (S60 -> S60_multi: patchconvnet-s60-multi), others described
        String multiName = pcn.name().startsWith("patchconvnet-") ? pcn.name() + "-multi" : pcn.name() + ", one class token per class";
        PatchConvNetSpec spec = pcn.spec().withNumClasses(classes);
        PatchConvNet target = new PatchConvNet(multiName, attendOwnToken ? spec.withMulticlassAttendingOwnToken()
                : spec.withMulticlass(true));
        VisionModel multi = new VisionModel(target);
        Map<String, ParamStore.Entry> from = single.parameters().entries();
        for (ParamStore.Entry e : multi.parameters().entries().values()) {
            String name = e.name();
            if (name.equals("cls_token")) {
                tile(from.get(name).torchView(), e.torchView());
            } else if (name.startsWith("head.")) {
                if (!sameClasses) continue; // fresh heads for new classes
                int i = Integer.parseInt(name.substring(5, name.indexOf('.', 5)));
                if (name.endsWith(".weight")) {
                    e.torchView().assign(from.get("head.weight").torchView().get(NDArrayIndex.interval(i, i + 1), NDArrayIndex.all()));
                } else {
                    e.torchView().putScalar(0, from.get("head.bias").torchView().getDouble(i));
                }
            } else {
                e.value().assign(from.get(name).value());
            }
        }
        VisionModel out = multi.withEval(single.eval());
        return sameClasses ? out.withClassNames(single.classNames()) : out;
    }

    /** Each token of {@code to} [1, k, d] set to {@code token} [1, 1, d]. */
    private static void tile(INDArray token, INDArray to) {
        for (long i = 0; i < to.size(1); i++) {
            to.get(NDArrayIndex.all(), NDArrayIndex.point(i), NDArrayIndex.all())
                    .assign(token.get(NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all()));
        }
    }
}
