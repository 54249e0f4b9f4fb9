package org.cvtzoo.serve;

/**
 * Keeps image decoding out of the forward passes' way. A pass runs on every core (its OpenMP
 * threads), and a decoding thread that takes a core from one of them stalls the others at the
 * pass's next barrier: decoding during a pass costs the pass more than the decoding's own time,
 * and decoding between passes costs only its own (CvT-13 at concurrency 64 on 2 cores: 1.04-1.11
 * s a batch of 16 with decoding held back, 1.14-1.29 s beside it). So a decoding thread waits for
 * the passes running when it comes to end, and no longer: passes that start meanwhile (another
 * model's) do not keep it waiting.
 */
final class ForwardGate {
    private long started, ended;

    synchronized void passStarted() {
        started++;
    }

    synchronized void passEnded() {
        ended++;
        notifyAll();
    }

    /** Returns once as many passes have ended as had started when it was called. */
    synchronized void awaitRunningPasses() throws InterruptedException {
        long target = started;
        while (ended < target) wait();
    }
}
