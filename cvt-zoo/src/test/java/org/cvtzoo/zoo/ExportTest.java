package org.cvtzoo.zoo;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Export under the official names, then load strictly: the same model. */
class ExportTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"cvt_tiny", "pcn_tiny"})
    void exportedSafetensorsLoadStrictlyAndGiveTheSameLogits(String fixture) {
        Path dir = Fixtures.dir(fixture);
        Architecture arch = Zoo.architecture(dir.resolve("spec.json"), null);
        VisionModel m = VisionModel.fromCheckpoint(arch, dir.resolve("model.pth"));
        Path out = tmp.resolve("exported.safetensors");
        m.exportSafetensors(out);
        VisionModel back = VisionModel.fromCheckpoint(Zoo.architecture(dir.resolve("spec.json"), null), out);
        var x = Fixtures.npy(fixture, "input.npy");
        assertEquals(0.0, Fixtures.relativeError(back.forward(x).logits(), m.forward(x).logits()), 0.0);
    }
}
