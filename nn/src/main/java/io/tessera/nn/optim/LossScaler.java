package io.tessera.nn.optim;

import io.tessera.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Dynamic loss scaling for float16 autocast, as {@code torch.cuda.amp.GradScaler} with its
 * defaults (what MAE's and RC-MAE's {@code NativeScaler} use): backward runs on the loss times
 * {@link #scale()} so that small gradients stay above float16's underflow; {@link #unscale}
 * multiplies the float32 gradients by the float32 reciprocal of the scale before the norm, any
 * clipping and the optimizer; a step whose gradients are not finite is skipped and the scale
 * halved ({@link #update}); after {@code growthInterval} finite steps in a row it is doubled. The
 * scale starts at 2¹⁶ and stays a power of two, so scaling and unscaling are exact (away from
 * float32's subnormals). The state (scale and the count of finite steps since the last change) is
 * saved with a checkpoint and restored on resume.
 */
public final class LossScaler {
    /** GradScaler's defaults: init_scale, growth_factor, backoff_factor, growth_interval. */
    public static final float INIT_SCALE = 65536f;
    public static final float GROWTH_FACTOR = 2f;
    public static final float BACKOFF_FACTOR = 0.5f;
    public static final int GROWTH_INTERVAL = 2000;

    private final float growthFactor;
    private final float backoffFactor;
    private final int growthInterval;
    private float scale;
    private int growthTracker;

    /** GradScaler's defaults. */
    public LossScaler() {
        this(INIT_SCALE, GROWTH_FACTOR, BACKOFF_FACTOR, GROWTH_INTERVAL);
    }

    public LossScaler(float initScale, float growthFactor, float backoffFactor, int growthInterval) {
        if (!(initScale > 0) || Float.isInfinite(initScale)) throw new IllegalArgumentException("the initial loss scale must be finite and > 0, got " + initScale);
        if (!(growthFactor > 1) || Float.isInfinite(growthFactor)) throw new IllegalArgumentException("the growth factor must be finite and > 1, got " + growthFactor);
        if (!(backoffFactor > 0 && backoffFactor < 1)) throw new IllegalArgumentException("the backoff factor must be in (0, 1), got " + backoffFactor);
        if (growthInterval < 1) throw new IllegalArgumentException("the growth interval must be at least 1 step, got " + growthInterval);
        this.scale = initScale;
        this.growthFactor = growthFactor;
        this.backoffFactor = backoffFactor;
        this.growthInterval = growthInterval;
    }

    /** The factor the next backward multiplies the loss by. */
    public float scale() {
        return scale;
    }

    /** Finite steps since the scale last changed (GradScaler's growth tracker). */
    public int growthTracker() {
        return growthTracker;
    }

    /**
     * grads ← grads · (1 / scale) in place, the reciprocal taken in double and rounded to float32
     * as GradScaler does; the caller then checks the unscaled gradients for non-finite values.
     */
    public void unscale(Tensor grads) {
        float inv = (float) (1.0 / scale);
        grads.backend().affine(grads, grads, inv, 0);
    }

    /**
     * After a step: with {@code foundInf} (the step was skipped) the scale is multiplied by the
     * backoff factor and the tracker reset; otherwise the tracker counts the step and, on reaching
     * the growth interval, the scale grows by the growth factor (kept as it is where that would
     * overflow float32) and the tracker resets. Float32 arithmetic, as GradScaler's update.
     */
    public void update(boolean foundInf) {
        if (foundInf) {
            scale = scale * backoffFactor;
            growthTracker = 0;
            return;
        }
        if (++growthTracker == growthInterval) {
            float grown = scale * growthFactor;
            if (Float.isFinite(grown)) scale = grown;
            growthTracker = 0;
        }
    }

    /** The state a checkpoint records: {@code scale} and {@code growth_tracker}. */
    public Map<String, Object> state() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("scale", (double) scale);
        m.put("growth_tracker", (long) growthTracker);
        return m;
    }

    /** Restores {@link #state()}; the scale must be a finite positive float32, the tracker below the growth interval. */
    public void restore(double savedScale, long savedTracker) {
        if (!(savedScale > 0) || (float) savedScale != savedScale || Float.isInfinite((float) savedScale)) {
            throw new IllegalArgumentException("a saved loss scale must be a finite positive float32, got " + savedScale);
        }
        if (savedTracker < 0 || savedTracker >= growthInterval) {
            throw new IllegalArgumentException("a saved growth tracker must be in [0, " + growthInterval + "), got " + savedTracker);
        }
        scale = (float) savedScale;
        growthTracker = (int) savedTracker;
    }
}
