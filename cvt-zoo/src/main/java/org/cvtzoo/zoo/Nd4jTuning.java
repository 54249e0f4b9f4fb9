package org.cvtzoo.zoo;

import org.nd4j.linalg.factory.Environment;
import org.nd4j.linalg.factory.Nd4j;

/**
 * ND4J settings that make transformer inference faster on a small CPU, measured on CvT-13 with
 * 2 cores (bin/cvt bench): ND4J splits element-wise ops over threads from 1024 elements and
 * reductions from 1 tensor on, and for the many small ops of a transformer at batch 1 the
 * thread hand-offs cost more than they save. Raising the thresholds took batch 1 from about
 * 370 to 160-180 ms and batch 16 from 2150 to 1450-1550 ms (together with
 * {@code OMP_WAIT_POLICY=PASSIVE}, which bin/cvt sets). These are process-wide settings, so the
 * library leaves them alone unless asked: the CLI calls this; Java users may.
 */
public final class Nd4jTuning {
    public static final int ELEMENTWISE_THRESHOLD = 1 << 16;
    public static final int TAD_THRESHOLD = 1 << 12;

    private Nd4jTuning() {
    }

    public static void forInference() {
        Environment env = Nd4j.getEnvironment();
        if (env.isCPU()) {
            env.setElementwiseThreshold(ELEMENTWISE_THRESHOLD);
            env.setTadThreshold(TAD_THRESHOLD);
        }
    }
}
