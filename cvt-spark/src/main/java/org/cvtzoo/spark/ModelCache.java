package org.cvtzoo.spark;

import org.cvtzoo.zoo.ModelRequest;
import org.cvtzoo.zoo.Nd4jTuning;
import org.cvtzoo.zoo.VisionModel;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The models loaded in this JVM, by {@link ShippedFiles#key}: an executor loads a model
 * once and all its tasks share it (a VisionModel's forward pass is safe to call from several
 * threads). The two most recently used stay; loading one more lets the oldest go to the GC.
 */
public final class ModelCache {
    private static final int SIZE = 2;
    private static final Map<String, VisionModel> MODELS = new LinkedHashMap<>(4, 0.75f, true);
    private static int loads;

    private ModelCache() {
    }

    /** The model, loaded on first use; a failure is not cached (each call tries again). */
    public static synchronized VisionModel get(ModelRequest request) {
        String key = ShippedFiles.key(request);
        VisionModel m = MODELS.get(key);
        if (m != null) return m;
        // An executor runs inference only: the CLI's ND4J thread settings (see Nd4jTuning)
        Nd4jTuning.forInference();
        m = ShippedFiles.load(request);
        loads++;
        MODELS.put(key, m);
        if (MODELS.size() > SIZE) MODELS.remove(MODELS.keySet().iterator().next());
        return m;
    }

    /** How many models this JVM has loaded (tests: once per JVM, not per task). */
    public static synchronized int loads() {
        return loads;
    }
}
