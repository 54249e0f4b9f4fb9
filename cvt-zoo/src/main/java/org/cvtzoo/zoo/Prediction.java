package org.cvtzoo.zoo;

import java.util.List;

/** The top-k classes of one image, most probable first (softmax probabilities of the logits). */
public record Prediction(List<Label> top) {
    public record Label(int index, String name, double probability) {
    }

    public Label best() {
        return top.get(0);
    }
}
