package io.tessera.nn.optim;

/**
 * The EMA momentum of a teacher. {@link #constant} is what RC-MAE's released code effectively
 * does (0.996 throughout); {@link #cosine} is the stated schedule
 * m(k) = 1 − (1 − m₀)·½(1 + cos(πk/K)), rising from m₀ to 1 over K iterations (RC-MAE's
 * intent, LUT's momentum encoder).
 */
public record MomentumSchedule(double base, long totalIterations, boolean cosine) {
    public MomentumSchedule {
        if (!(base >= 0 && base <= 1)) throw new IllegalArgumentException("EMA momentum must be in [0, 1], got " + base);
        if (cosine && totalIterations < 1) throw new IllegalArgumentException("cosine momentum needs total iterations ≥ 1, got " + totalIterations);
    }

    public static MomentumSchedule constant(double m) {
        return new MomentumSchedule(m, 0, false);
    }

    public static MomentumSchedule cosine(double m0, long totalIterations) {
        return new MomentumSchedule(m0, totalIterations, true);
    }

    /** The momentum at global iteration {@code k}. */
    public double at(long k) {
        if (!cosine) return base;
        double t = Math.min(1.0, (double) k / totalIterations);
        return 1 - (1 - base) * 0.5 * (1 + Math.cos(Math.PI * t));
    }
}
