package org.cvtzoo.zoo;

import org.cvtzoo.core.ZooException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link ModelRequest#named}: one name and its weights (a notebook's "which model") as the CLI's options. */
class ModelRequestTest {
    @Test
    void aNameIsAVariantASpecOrAModelFile() {
        assertEquals(new ModelRequest("cvt-13", null, null, null, false, 0), ModelRequest.named("cvt-13", null));
        assertEquals(new ModelRequest("vit-ti16", null, null, "w.pth", false, 0), ModelRequest.named(" vit-ti16 ", "w.pth"));
        assertEquals(new ModelRequest("cvt-13", null, null, null, true, 0), ModelRequest.named("cvt-13", "pretrained"));
        assertEquals(new ModelRequest(null, "dir/spec.yaml", null, "w.pth", false, 0), ModelRequest.named("dir/spec.yaml", "w.pth"));
        assertEquals(new ModelRequest(null, "s.JSON", null, null, false, 0), ModelRequest.named("s.JSON", null));
        assertEquals(new ModelRequest(null, null, "runs/best.safetensors", null, false, 0), ModelRequest.named("runs/best.safetensors", ""));
    }

    /** Its errors are the request's own, one line each, as bin/cvt's. */
    @Test
    void itsErrorsAreTheRequestsOwn() {
        ZooException e = assertThrows(UnknownModelException.class, () -> ModelRequest.named("cvt-99", null).load());
        assertTrue(e.getMessage().startsWith("unknown model 'cvt-99' (known: "), e.getMessage());
        e = assertThrows(ZooException.class, () -> ModelRequest.named("weights.pth", null).load());
        assertTrue(e.getMessage().startsWith("unknown model 'weights.pth'"), e.getMessage());
        e = assertThrows(ZooException.class, () -> ModelRequest.named("best.safetensors", "w.pth").load());
        assertTrue(e.getMessage().startsWith("--model-file carries the model, its weights and its classes"), e.getMessage());
        e = assertThrows(ZooException.class, () -> ModelRequest.named("spec.yaml", "pretrained").load());
        assertEquals("--pretrained needs --model NAME", e.getMessage());
    }
}
