package org.cvtzoo.zoo.train;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** state() after 3 steps, loadState into a fresh optimiser, 2 more steps == 5 straight steps, bit for bit. */
class ResumeTest {

    @Test
    void resumeIsExact() {
        OptimizerParityTest.all().forEach((label, make) -> {
            double lr = label.equals("adamw") ? OptimizerParityTest.ADAMW_LR : OptimizerParityTest.SGD_LR;
            Map<String, INDArray> straight = run(make.get(), 0, 5, p0(), lr);

            Optimizer first = make.get();
            Map<String, INDArray> params = run(first, 0, 3, p0(), lr);
            OptimizerState saved = first.state();
            assertEquals(3, saved.steps());
            // the saved state is a snapshot: further steps of the old optimiser leave it alone
            run(first, 3, 5, copy(params), lr);

            Optimizer resumed = make.get();
            resumed.loadState(saved);
            assertEquals(3, resumed.steps());
            Map<String, INDArray> after = run(resumed, 3, 5, params, lr);
            assertEquals(5, resumed.steps());
            // every float equal (INDArray.equals would allow 1e-5)
            straight.forEach((name, expected) -> assertArrayEquals(expected.dup().data().asFloat(), after.get(name).dup().data().asFloat(),
                    label + " " + name));
        });
    }

    @Test
    void stateNamesAndCounts() {
        Optimizer adamw = OptimizerParityTest.adamw();
        run(adamw, 0, 2, p0(), 1e-3);
        OptimizerState s = adamw.state();
        assertEquals(AdamW.KIND, s.optimizer());
        assertEquals(2L, s.paramSteps().get("head.weight"));
        assertEquals(2 * TrainFixtures.params().size(), s.tensors().size());
        assertEquals(3, s.tensor("exp_avg_sq", "pos_embed").rank());

        Optimizer sgd = OptimizerParityTest.sgd();
        run(sgd, 0, 1, p0(), 0.05);
        assertEquals(TrainFixtures.params().size(), sgd.state().tensors().size());
        assertNull(sgd.state().tensor("exp_avg", "head.weight"));
        assertThrows(IllegalArgumentException.class, () -> sgd.loadState(s));
    }

    /** A parameter without a gradient is skipped and its AdamW step count stays behind, as in torch. */
    @Test
    void missingGradientSkipsTheParameter() {
        Map<String, INDArray> params = p0();
        INDArray before = params.get("head.bias").dup();
        Map<String, INDArray> grads = TrainFixtures.row(TrainFixtures.npy("optim/grads.npy"), 0);
        grads.remove("head.bias");
        AdamW opt = new AdamW(0.05, TrainFixtures.decayRule());
        opt.step(params, grads, 1e-3);
        assertEquals(before, params.get("head.bias"));
        assertNull(opt.state().paramSteps().get("head.bias"));
        assertEquals(1L, opt.state().paramSteps().get("head.weight"));
    }

    @Test
    void rejectsBadGradients() {
        Map<String, INDArray> params = p0();
        Map<String, INDArray> grads = new LinkedHashMap<>();
        grads.put("nope", params.get("head.bias"));
        assertThrows(IllegalArgumentException.class, () -> new AdamW(0.05, TrainFixtures.decayRule()).step(params, grads, 1e-3));
        grads.clear();
        grads.put("head.bias", params.get("head.weight"));
        assertThrows(IllegalArgumentException.class, () -> new AdamW(0.05, TrainFixtures.decayRule()).step(params, grads, 1e-3));
    }

    static Map<String, INDArray> p0() {
        return TrainFixtures.split(TrainFixtures.npy("optim/p0.npy"));
    }

    static Map<String, INDArray> copy(Map<String, INDArray> m) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, v.dup()));
        return out;
    }

    static Map<String, INDArray> run(Optimizer opt, int from, int to, Map<String, INDArray> params, double lr) {
        INDArray grads = TrainFixtures.npy("optim/grads.npy");
        for (int s = from; s < to; s++) opt.step(params, TrainFixtures.row(grads, s), lr);
        return params;
    }

}
