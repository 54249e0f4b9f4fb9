package org.example;

import org.cvtzoo.zoo.VisionModel;
import org.cvtzoo.zoo.Zoo;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/** One forward pass of a zoo model (ViT-Ti/16, random weights, 10 classes) on the backend the project chose. */
public final class ForwardPass {
    public static void main(String[] args) {
        VisionModel model = Zoo.load("vit-ti16", 10);
        INDArray logits = model.forward(Nd4j.rand(DataType.FLOAT, 2, 3, 224, 224)).logits();
        boolean finite = Double.isFinite(logits.sumNumber().doubleValue());
        System.out.println("backend " + Nd4j.getBackend().getClass().getSimpleName() + ", logits "
                + Arrays.toString(logits.shape()) + (finite ? ", finite" : ", NOT FINITE"));
        if (!finite || logits.size(0) != 2 || logits.size(1) != 10) System.exit(1);
    }
}
