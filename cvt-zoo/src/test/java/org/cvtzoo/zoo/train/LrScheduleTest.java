package org.cvtzoo.zoo.train;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Against schedule/lr.txt, which make_optim.py computes by hand from the same formula (no timm). */
class LrScheduleTest {

    static final Map<String, LrSchedule> CONFIGS = Map.of(
            "timm", LrSchedule.cosine(5e-4, 1e-6, 5, 1e-5, 30),
            "prefix", new LrSchedule(5e-4, 1e-6, 5, 1e-5, 30, true),
            "nowarmup", LrSchedule.cosine(0.1, 0.0, 0, 0.0, 17));

    @Test
    void matchesFixture() {
        int n = 0;
        for (String line : TrainFixtures.lines("schedule/lr.txt")) {
            String[] f = line.split(" ");
            LrSchedule s = CONFIGS.get(f[0]);
            double expected = Double.parseDouble(f[2]);
            assertEquals(expected, s.lr(Long.parseLong(f[1])), 1e-15 * Math.max(1e-3, expected), line);
            n++;
        }
        assertEquals(34 * 2 + 21, n);
    }

    @Test
    void shape() {
        LrSchedule s = new LrSchedule(5e-4, 1e-6, 5, 1e-5, 30, true);
        assertEquals(1e-6, s.lr(0), 0);
        assertEquals(5e-4, s.lr(5), 1e-18);      // the prefix cosine starts at the peak
        assertEquals(1e-5, s.lr(30), 0);
        assertEquals(1e-5, s.lr(1000), 0);
        LrSchedule t = LrSchedule.cosine(5e-4, 1e-6, 5, 1e-5, 30);
        assertEquals(1e-5 + 0.5 * (5e-4 - 1e-5) * (1 + Math.cos(Math.PI * 5 / 30)), t.lr(5), 1e-18);
        assertEquals(1e-5 + 0.5 * (5e-4 - 1e-5), t.lr(15), 1e-18);  // half way at half the run
    }

    @Test
    void rejectsNonsense() {
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.cosine(1e-3, 0, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.cosine(1e-3, 0, -1, 0, 10));
        assertThrows(IllegalArgumentException.class, () -> new LrSchedule(1e-3, 0, 10, 0, 10, true));
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.cosine(Double.NaN, 0, 1, 0, 10));
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.cosine(1e-3, 0, 1, 0, 10).lr(-1));
    }
}
