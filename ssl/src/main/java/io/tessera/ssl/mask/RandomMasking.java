package io.tessera.ssl.mask;

import io.tessera.tensor.DType;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Tensor;

/**
 * MAE's random masking: per sample, draw noise ~ U[0, 1) over the L patch tokens, sort it
 * ascending, keep the first K = floor(L(1 − r)) tokens (in that shuffled order), and record the
 * inverse permutation that un-shuffles the decoder's sequence. The noise can be drawn from an
 * {@link Rng} stream or given by the caller, so teachers (RC-MAE reuses the student's mask) and
 * tests share masks exactly. Ties in the noise are broken by token index (a stable sort).
 */
public final class RandomMasking {
    private RandomMasking() {
    }

    /** K = floor(L · (1 − ratio)), the number of visible tokens. */
    public static int keptCount(int tokens, double ratio) {
        if (!(ratio >= 0 && ratio < 1)) throw new IllegalArgumentException("mask ratio must be in [0, 1), got " + ratio);
        int k = (int) Math.floor(tokens * (1 - ratio));
        if (k < 1) throw new IllegalArgumentException("mask ratio " + ratio + " keeps no token of " + tokens);
        return k;
    }

    /** Draws the noise (B, L) from {@code rng} in row-major order, then masks as {@link #fromNoise}. */
    public static MaskPlan sample(Ops ops, Rng rng, int batch, int tokens, double ratio) {
        float[] noise = new float[batch * tokens];
        for (int i = 0; i < noise.length; i++) noise[i] = rng.nextFloat();
        return fromNoise(ops, noise, batch, tokens, ratio);
    }

    /** Masks from given noise (B·L values, row-major; smaller noise is kept first). */
    public static MaskPlan fromNoise(Ops ops, float[] noise, int batch, int tokens, double ratio) {
        if (noise.length != batch * tokens) {
            throw new IllegalArgumentException("noise has " + noise.length + " values, masking (B, L) = (" + batch + ", " + tokens + ") needs " + batch * tokens);
        }
        int k = keptCount(tokens, ratio);
        int[] shuffle = new int[batch * tokens], restore = new int[batch * tokens], keep = new int[batch * k];
        float[] mask = new float[batch * tokens];
        Integer[] order = new Integer[tokens];
        for (int b = 0; b < batch; b++) {
            int base = b * tokens;
            for (int i = 0; i < tokens; i++) {
                if (Float.isNaN(noise[base + i])) throw new IllegalArgumentException("noise is NaN at sample " + b + ", token " + i);
                order[i] = i;
            }
            java.util.Arrays.sort(order, (x, y) -> Float.compare(noise[base + x], noise[base + y])); // stable
            for (int i = 0; i < tokens; i++) {
                shuffle[base + i] = order[i];
                restore[base + order[i]] = i;
                mask[base + order[i]] = i < k ? 0f : 1f;
            }
            System.arraycopy(shuffle, base, keep, b * k, k);
        }
        Tensor m = ops.tensor(mask, batch, tokens);
        return new MaskPlan(ops.indices(shuffle, batch, tokens), ops.indices(restore, batch, tokens),
                ops.indices(keep, batch, k), m, k);
    }

    /** The visible tokens: x (B, L, D) → (B, K, D), gathered in noise order. */
    public static Tensor keepVisible(Ops ops, Tensor x, MaskPlan plan) {
        if (x.rank() != 3 || x.dim(0) != plan.batch() || x.dim(1) != plan.tokens()) {
            throw new IllegalArgumentException("keepVisible expects (B, L, D) = (" + plan.batch() + ", " + plan.tokens() + ", D), got " + x.describe());
        }
        return ops.gather(x, plan.idsKeep(), 1);
    }

    /** The mask in another dtype (F64 for float64 checks). */
    public static Tensor maskAs(Ops ops, MaskPlan plan, DType t) {
        return plan.mask().dtype() == t ? plan.mask() : ops.cast(plan.mask(), t);
    }
}
