// LUT's two-view masking (lut: models_lut.py random_masking): one noise draw per sample, sorted once;
// view 1 keeps ids_shuffle[:, 0:K] (the ordinary MAE mask), view 2 keeps ids_shuffle[:, K:2K], so the
// two online views see disjoint grid positions. Not a general multi-crop masker.
package io.tessera.ssl.lut;

import io.tessera.ssl.mask.MaskPlan;
import io.tessera.ssl.mask.RandomMasking;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Tensor;

/** The mask plans of LUT's two online views, built from one noise tensor. */
public final class LutMasking {
    /** View 1's plan (the MAE plan of the noise) and view 2's plan (visible set ids_shuffle[:, K:2K]). */
    public record Plans(MaskPlan view1, MaskPlan view2) {
    }

    private LutMasking() {
    }

    /** Draws noise (B, L) row-major from {@code rng} and builds both plans as {@link #fromNoise}. */
    public static Plans sample(Ops ops, Rng rng, int batch, int tokens, double ratio) {
        float[] noise = new float[batch * tokens];
        for (int i = 0; i < noise.length; i++) noise[i] = rng.nextFloat();
        return fromNoise(ops, noise, batch, tokens, ratio);
    }

    /**
     * View 1 = {@link RandomMasking#fromNoise}. View 2 is that shuffle rotated left by K:
     * idsShuffle₂[i] = idsShuffle[(i + K) mod L], so its first K entries (its visible tokens,
     * in noise order) are idsShuffle[K:2K]; idsRestore₂ is the inverse and mask₂ is 0 exactly
     * there. Needs 2K ≤ L (mask ratio ≥ 0.5).
     */
    public static Plans fromNoise(Ops ops, float[] noise, int batch, int tokens, double ratio) {
        MaskPlan p1 = RandomMasking.fromNoise(ops, noise, batch, tokens, ratio);
        int k = p1.kept();
        if (2 * k > tokens) {
            throw new IllegalArgumentException("LUT masking needs two disjoint sets of K = " + k + " visible tokens of L = " + tokens + " (mask ratio " + ratio + " < 0.5)");
        }
        int[] sh1 = p1.idsShuffle().toIntArray();
        int[] shuffle = new int[batch * tokens], restore = new int[batch * tokens], keep = new int[batch * k];
        float[] mask = new float[batch * tokens];
        for (int b = 0; b < batch; b++) {
            int base = b * tokens;
            for (int i = 0; i < tokens; i++) {
                int tok = sh1[base + (i + k) % tokens];
                shuffle[base + i] = tok;
                restore[base + tok] = i;
                mask[base + tok] = i < k ? 0f : 1f;
            }
            System.arraycopy(shuffle, base, keep, b * k, k);
        }
        Tensor m = ops.tensor(mask, batch, tokens);
        MaskPlan p2 = new MaskPlan(ops.indices(shuffle, batch, tokens), ops.indices(restore, batch, tokens),
                ops.indices(keep, batch, k), m, k);
        return new Plans(p1, p2);
    }
}
