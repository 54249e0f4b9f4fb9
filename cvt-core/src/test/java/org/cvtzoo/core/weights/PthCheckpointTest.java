package org.cvtzoo.core.weights;

import static org.cvtzoo.core.Fixtures.WEIGHTS;
import static org.cvtzoo.core.weights.Expected.assertFails;
import static org.cvtzoo.core.weights.Expected.assertStateDict;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;

class PthCheckpointTest {

    @ParameterizedTest
    @ValueSource(strings = {"bare.pth", "wrapped_model.pth", "wrapped_state_dict_module.pth",
            "module_prefix.pth", "wrapped_model_ema.pth", "views.pth", "dtypes.pth", "proto4.pth"})
    void readsTensorsAsTorchSavedThem(String fixture) {
        try (StateDict sd = Checkpoints.open(WEIGHTS.path(fixture))) {
            assertEquals(Checkpoints.Format.PYTORCH_ZIP, Checkpoints.detect(WEIGHTS.path(fixture)));
            assertStateDict(fixture, sd);
        }
    }

    @Test
    void wrappedCheckpointPrefersModelOverModelEmaAndIgnoresOtherEntries() {
        // expected.json holds the 'model' values; 'model_ema' holds those + 1
        try (StateDict sd = Checkpoints.open(WEIGHTS.path("wrapped_model.pth"))) {
            assertFalse(sd.contains("epoch"));
            assertFalse(sd.contains("args"));
            assertTrue(sd.contains("0.weight"));
        }
    }

    @Test
    void moduleAndStateDictWrapperPrefixesAreStripped() {
        try (StateDict sd = Checkpoints.open(WEIGHTS.path("wrapped_state_dict_module.pth"))) {
            assertTrue(sd.keys().stream().noneMatch(k -> k.startsWith("module.")));
        }
    }

    @Test
    void viewsShareStorageButComeBackAsIndependentArrays() {
        try (StateDict sd = Checkpoints.open(WEIGHTS.path("views.pth"))) {
            INDArray a = sd.get("transposed");
            a.assign(0);
            INDArray b = sd.get("transposed");
            assertNotSame(a, b);
            assertTrue(b.sumNumber().doubleValue() != 0);
            assertEquals(sd.get("base").getFloat(1, 2), sd.get("col").getFloat(1));
        }
    }

    @Test
    void parameterScalarAndEmptyTensors() {
        try (StateDict sd = Checkpoints.open(WEIGHTS.path("dtypes.pth"))) {
            assertEquals(0, sd.get("scalar").rank());
            assertEquals(42f, sd.get("scalar_i64").getFloat(0));
            assertTrue(sd.get("empty").isEmpty());
        }
        try (StateDict sd = Checkpoints.open(WEIGHTS.path("bare.pth"))) {
            assertEquals(List.of(2L, 2L), List.of(sd.info("param").shape()[0], sd.info("param").shape()[1]));
        }
    }

    @Test
    void unsupportedDtypeIsListedButRefusedOnRead() {
        try (StateDict sd = Checkpoints.open(WEIGHTS.path("complex.pth"))) {
            assertEquals(List.of("ok", "z"), List.copyOf(sd.keys()));
            assertEquals("C64", sd.info("z").dtype());
            assertEquals(2, sd.get("ok").length());
            assertFails(() -> sd.get("z"), "complex.pth", "unsupported dtype C64 for tensor 'z'");
        }
    }

    @Test
    void unknownKey() {
        try (StateDict sd = Checkpoints.open(WEIGHTS.path("bare.pth"))) {
            assertFails(() -> sd.get("nope"), "bare.pth", "no tensor named 'nope'");
            assertFails(() -> sd.info("nope"), "no tensor named 'nope'");
        }
    }

    @Test
    void closedStateDictRefusesReads() {
        StateDict sd = Checkpoints.open(WEIGHTS.path("bare.pth"));
        sd.close();
        sd.close();
        assertThrows(IllegalStateException.class, () -> sd.get("0.weight"));
    }

    @Test
    void truncatedZip() {
        assertFails(() -> Checkpoints.open(WEIGHTS.path("truncated.pth")), "truncated.pth",
                "truncated or corrupt zip archive");
    }

    @Test
    void randomBytes() {
        assertFails(() -> Checkpoints.open(WEIGHTS.path("random.bin")), "random.bin",
                "unrecognised format");
    }

    @Test
    void zipWithoutDataPkl() {
        assertFails(() -> Checkpoints.open(WEIGHTS.path("zip_without_pkl.pth")), "zip_without_pkl.pth",
                "no data.pkl", "archive/readme.txt");
    }

    @Test
    void missingStorageEntry() {
        try (StateDict sd = Checkpoints.open(WEIGHTS.path("missing_storage.pth"))) {
            assertFails(() -> sd.get("0.weight"), "missing_storage.pth", "data/0",
                    "tensor '0.weight'", "missing");
            assertEquals(2, sd.get("0.bias").length());
        }
    }

    @Test
    void legacyFormat() {
        assertFails(() -> Checkpoints.open(WEIGHTS.path("legacy.pth")), "legacy.pth",
                "not a PyTorch zip checkpoint", "legacy torch.save format is not supported",
                "torch >= 1.6");
    }

    @Test
    void wholePickledModule() {
        assertFails(() -> Checkpoints.open(WEIGHTS.path("whole_module.pth")), "whole_module.pth",
                "torch.nn.modules.linear.Linear", "not a dict of tensors");
    }

    @Test
    void noTensors() {
        assertFails(() -> Checkpoints.open(WEIGHTS.path("no_tensors.pth")), "no_tensors.pth",
                "no tensors found (top-level keys: epoch, arch)");
    }

    @Test
    void missingAndEmptyFiles(@TempDir Path dir) throws IOException {
        Path missing = dir.resolve("nothing.pth");
        assertFails(() -> Checkpoints.open(missing), "no such file: " + missing);
        // a relative path names the absolute one tried, and from where
        Path relative = Path.of("no-such-dir", "CvT-13-224x224-IN-1k.pth");
        assertFails(() -> Checkpoints.open(relative), "no such file: " + relative + " (looked for "
                + Path.of("").toAbsolutePath().resolve(relative) + ": relative to the working directory)");
        Path empty = Files.createFile(dir.resolve("empty.pth"));
        assertFails(() -> Checkpoints.open(empty), "empty.pth", "empty file");
        assertFails(() -> Checkpoints.open(dir), "not a regular file");
    }

    @Test
    void npyIsNotACheckpoint() {
        assertFails(() -> Checkpoints.open(WEIGHTS.path("f32.npy")), "f32.npy", ".npy array");
    }

    @Test
    void formatIsDetectedByContentNotName(@TempDir Path dir) throws IOException {
        Path st = Files.copy(WEIGHTS.path("dtypes.safetensors"), dir.resolve("weights.pth"));
        try (StateDict sd = Checkpoints.open(st)) {
            assertEquals(Checkpoints.Format.SAFETENSORS, Checkpoints.detect(st));
            assertStateDict("dtypes.safetensors", sd);
        }
        Path pth = Files.copy(WEIGHTS.path("bare.pth"), dir.resolve("weights.safetensors"));
        try (StateDict sd = Checkpoints.open(pth)) {
            assertStateDict("bare.pth", sd);
        }
    }
}
