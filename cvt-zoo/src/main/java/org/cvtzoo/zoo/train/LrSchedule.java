package org.cvtzoo.zoo.train;

/**
 * Linear warm-up then cosine decay, per optimiser step, with the semantics of timm's
 * {@code CosineLRScheduler} (one cycle, no k-decay, no noise, {@code t_in_epochs=False}).
 * For step {@code s} (0-based):
 * <pre>
 *   s &lt; W:   lr = warmupLr + s · (baseLr − warmupLr) / W
 *   else:    t = s,     T = totalSteps              (warmupPrefix false: timm's default)
 *            t = s − W, T = totalSteps − W          (warmupPrefix true)
 *            lr = minLr + ½ · (baseLr − minLr) · (1 + cos(π · t / T))   if t &lt; T
 *            lr = minLr                                                   if t ≥ T
 * </pre>
 * with {@code W = warmupSteps}. Without the prefix (timm's default, and what timm's training
 * script builds) the cosine runs over the whole run and the warm-up only replaces its first
 * {@code W} values, so the first post-warm-up lr is a little below {@code baseLr}; with it, the
 * cosine starts at {@code baseLr} right after the warm-up. Either way the lr reaches
 * {@code minLr} at {@code totalSteps} and stays there. The prefix variant equals timm's
 * {@code warmup_prefix=True} with {@code t_initial = totalSteps − W}; the default equals timm's
 * {@code t_initial = totalSteps, warmup_t = W, warmup_lr_init = warmupLr, lr_min = minLr}
 * stepped with {@code step_update(s)}.
 *
 * @param baseLr       peak learning rate
 * @param warmupLr     learning rate at step 0 (ignored when {@code warmupSteps} is 0)
 * @param warmupSteps  length of the linear warm-up, &gt;= 0
 * @param minLr        learning rate from {@code totalSteps} on
 * @param totalSteps   where the cosine ends, &gt; 0 (and &gt; {@code warmupSteps} with the prefix)
 * @param warmupPrefix whether the cosine starts after the warm-up instead of at step 0
 */
public record LrSchedule(double baseLr, double warmupLr, long warmupSteps, double minLr,
                         long totalSteps, boolean warmupPrefix) {

    public LrSchedule {
        if (warmupSteps < 0) throw new IllegalArgumentException("warmupSteps must be >= 0: " + warmupSteps);
        if (totalSteps <= 0) throw new IllegalArgumentException("totalSteps must be > 0: " + totalSteps);
        if (warmupPrefix && totalSteps <= warmupSteps) {
            throw new IllegalArgumentException("with the warm-up as a prefix, totalSteps (" + totalSteps
                    + ") must exceed warmupSteps (" + warmupSteps + ")");
        }
        for (double v : new double[]{baseLr, warmupLr, minLr}) {
            if (!(v >= 0) || Double.isInfinite(v)) throw new IllegalArgumentException("learning rates must be finite and >= 0");
        }
    }

    /** timm's default: cosine over the whole run, warm-up replacing its first steps. */
    public static LrSchedule cosine(double baseLr, double warmupLr, long warmupSteps, double minLr, long totalSteps) {
        return new LrSchedule(baseLr, warmupLr, warmupSteps, minLr, totalSteps, false);
    }

    /** The learning rate for step {@code step} (0-based). */
    public double lr(long step) {
        if (step < 0) throw new IllegalArgumentException("step must be >= 0: " + step);
        if (step < warmupSteps) {
            return warmupLr + step * (baseLr - warmupLr) / warmupSteps;
        }
        long t = warmupPrefix ? step - warmupSteps : step;
        long T = warmupPrefix ? totalSteps - warmupSteps : totalSteps;
        if (t >= T) return minLr;
        return minLr + 0.5 * (baseLr - minLr) * (1 + Math.cos(Math.PI * t / T));
    }
}
