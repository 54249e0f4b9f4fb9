package org.cvtzoo.serve;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ForwardGateTest {
    private static CompletableFuture<Void> waiting(ForwardGate gate) {
        return CompletableFuture.runAsync(() -> {
            try {
                gate.awaitRunningPasses();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void decodingWaitsForThePassRunningWhenItCame() throws Exception {
        ForwardGate gate = new ForwardGate();
        assertDoesNotThrow(() -> waiting(gate).get(1, TimeUnit.SECONDS), "no pass runs: no wait");
        gate.passStarted();
        CompletableFuture<Void> w = waiting(gate);
        assertThrows(TimeoutException.class, () -> w.get(200, TimeUnit.MILLISECONDS));
        gate.passEnded();
        w.get(1, TimeUnit.SECONDS);
    }

    @Test
    void passesThatStartLaterDoNotKeepItWaiting() throws Exception {
        ForwardGate gate = new ForwardGate();
        gate.passStarted(); // model a's pass
        CompletableFuture<Void> w = waiting(gate);
        Thread.sleep(50);
        gate.passStarted(); // model b's, after the decoding came
        assertFalse(w.isDone());
        gate.passEnded(); // a's
        w.get(1, TimeUnit.SECONDS);
        gate.passEnded();
    }
}
