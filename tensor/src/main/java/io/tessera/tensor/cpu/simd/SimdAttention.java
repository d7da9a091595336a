package io.tessera.tensor.cpu.simd;

import io.tessera.tensor.Tensor;
import io.tessera.tensor.spi.OpChecks;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API F32 scaled dot-product attention, forward and backward, one (batch, head) pair
 * per chunk of parallel work. Each head's products are small register-blocked matrix products
 * ({@link RowMath#gemm}) over operands that fit in cache; the saved state is the probabilities
 * (B, H, T, S), or the row log-sum-exp (B, H, T) for the lse variant, whose probabilities live
 * in per-thread scratch for one head at a time and are recomputed in backward. Not a
 * flash-attention kernel: no tiling over S, no online softmax.
 */
public final class SimdAttention {
    /** Per-thread scratch (transposed k or v, dP), grown on demand and reused between calls. */
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[0]);

    private SimdAttention() {
    }

    private static float[] scratch(int size) {
        float[] s = SCRATCH.get();
        if (s.length < size) {
            s = new float[size];
            SCRATCH.set(s);
        }
        return s;
    }

    /**
     * probs = softmax_S(q·kᵀ·scale) (B, H, T, S), written; out = probs·v (B, H, T, Dh), written.
     * q: (B, H, T, Dh); k, v: (B, H, S, Dh).
     */
    public static void attention(SimdContext sc, Tensor out, Tensor probs, Tensor q, Tensor k, Tensor v, double scale) {
        OpChecks.AttentionSizes z = OpChecks.attention(out, probs, q, k, v, scale);
        int bh = z.heads(), t = z.queries(), s = z.keys(), dh = z.width();
        float[] qa = q.f32(), ka = k.f32(), va = v.f32(), pa = probs.f32(), oa = out.f32();
        int qo = q.offset(), ko = k.offset(), vo = v.offset(), po = probs.offset(), oo = out.offset();
        VectorSpecies<Float> sp = sc.species();
        float fs = (float) scale;
        sc.parallel().forEach(bh, g -> head(sp, t, s, dh, fs, qa, qo + g * t * dh, ka, ko + g * s * dh, va, vo + g * s * dh,
                scratch(dh * s), pa, po + g * t * s, oa, oo + g * t * dh, null, 0));
    }

    /**
     * One head's forward: p = softmax_S(q·kᵀ·scale) (T, S) at {@code po}, out = p·v (T, Dh) at
     * {@code og}, and, when {@code la} is given, each row's max + log Σ exp at {@code lg}; kᵀ goes
     * through {@code kt} from 0, which must not overlap p. Both forwards run it, so their outputs
     * have the same bits.
     */
    private static void head(VectorSpecies<Float> sp, int t, int s, int dh, float fs, float[] qa, int qg, float[] ka, int kg, float[] va, int vg,
                             float[] kt, float[] p, int po, float[] oa, int og, float[] la, int lg) {
        RowMath.transpose(ka, kg, s, dh, kt, 0); // kᵀ: (Dh, S)
        RowMath.gemm(sp, t, s, dh, fs, qa, qg, dh, false, kt, 0, s, p, po, s, false);
        for (int i = 0; i < t; i++) {
            int row = po + i * s;
            float max = RowMath.max(sp, p, row, s);
            float sum = RowMath.expShiftSum(sp, p, row, p, row, s, max);
            RowMath.scale(sp, p, row, s, 1f / sum);
            if (la != null) la[lg + i] = max + (float) Math.log(sum);
        }
        RowMath.gemm(sp, t, dh, s, 1f, p, po, s, false, va, vg, dh, oa, og, dh, false);
    }

    /**
     * With P the saved probabilities: dv += Pᵀ·dout; dP = dout·vᵀ; dZ = P ⊙ (dP − Σ_S dP ⊙ P);
     * dq += scale·dZ·k; dk += scale·dZᵀ·q. Any gradient may be null.
     */
    public static void attentionBackward(SimdContext sc, Tensor dq, Tensor dk, Tensor dv, Tensor dout, Tensor q, Tensor k, Tensor v,
                                         Tensor probs, double scale) {
        OpChecks.AttentionSizes z = OpChecks.attentionBackward(dq, dk, dv, dout, q, k, v, probs, scale);
        int bh = z.heads(), t = z.queries(), s = z.keys(), dh = z.width();
        float[] qa = q.f32(), ka = k.f32(), va = v.f32(), pa = probs.f32(), ga = dout.f32();
        int qo = q.offset(), ko = k.offset(), vo = v.offset(), po = probs.offset(), go = dout.offset();
        VectorSpecies<Float> sp = sc.species();
        float fs = (float) scale;
        boolean needScores = dq != null || dk != null;
        sc.parallel().forEach(bh, g -> {
            int qg = qo + g * t * dh, kg = ko + g * s * dh, vg = vo + g * s * dh, pg = po + g * t * s, gg = go + g * t * dh;
            if (dv != null) {
                RowMath.gemm(sp, s, dh, t, 1f, pa, pg, s, true, ga, gg, dh, dv.f32(), dv.offset() + g * s * dh, dh, true);
            }
            if (!needScores) return;
            float[] work = scratch(dh * s + t * s);
            int dz = dh * s;
            RowMath.transpose(va, vg, s, dh, work, 0); // vᵀ: (Dh, S)
            RowMath.gemm(sp, t, s, dh, 1f, ga, gg, dh, false, work, 0, s, work, dz, s, false); // dP (T, S)
            for (int i = 0; i < t; i++) {
                int row = dz + i * s, prow = pg + i * s;
                float dot = RowMath.dot(sp, work, row, pa, prow, s);
                for (int j = 0; j < s; j++) work[row + j] = pa[prow + j] * (work[row + j] - dot);
            }
            if (dq != null) RowMath.gemm(sp, t, dh, s, fs, work, dz, s, false, ka, kg, dh, dq.f32(), dq.offset() + g * t * dh, dh, true);
            if (dk != null) RowMath.gemm(sp, s, dh, t, fs, work, dz, s, true, qa, qg, dh, dk.f32(), dk.offset() + g * s * dh, dh, true);
        });
    }

    /**
     * out = softmax_S(q·kᵀ·scale)·v (B, H, T, Dh) and lse = max + log Σ exp(· − max) (B, H, T),
     * written; one head's probabilities at a time in scratch (out has the same bits as
     * {@link #attention}'s).
     */
    public static void attentionLse(SimdContext sc, Tensor out, Tensor lse, Tensor q, Tensor k, Tensor v, double scale) {
        OpChecks.AttentionSizes z = OpChecks.attentionLse(out, lse, q, k, v, scale);
        int bh = z.heads(), t = z.queries(), s = z.keys(), dh = z.width();
        float[] qa = q.f32(), ka = k.f32(), va = v.f32(), oa = out.f32(), la = lse.f32();
        int qo = q.offset(), ko = k.offset(), vo = v.offset(), oo = out.offset(), lo = lse.offset();
        VectorSpecies<Float> sp = sc.species();
        float fs = (float) scale;
        sc.parallel().forEach(bh, g -> {
            float[] w = scratch(dh * s + t * s); // kᵀ, then the head's probabilities
            head(sp, t, s, dh, fs, qa, qo + g * t * dh, ka, ko + g * s * dh, va, vo + g * s * dh, w, w, dh * s, oa, oo + g * t * dh, la, lo + g * t);
        });
    }

    /**
     * With P = exp(q·kᵀ·scale − lse) recomputed per head and D = Σ_Dh dout ⊙ out: dv += Pᵀ·dout;
     * dZ = P ⊙ (dout·vᵀ − D); dq += scale·dZ·k; dk += scale·dZᵀ·q. Any gradient may be null.
     */
    public static void attentionLseBackward(SimdContext sc, Tensor dq, Tensor dk, Tensor dv, Tensor dout, Tensor q, Tensor k, Tensor v,
                                            Tensor out, Tensor lse, double scale) {
        OpChecks.AttentionSizes z = OpChecks.attentionLseBackward(dq, dk, dv, dout, q, k, v, out, lse, scale);
        int bh = z.heads(), t = z.queries(), s = z.keys(), dh = z.width();
        if (dq == null && dk == null && dv == null) return;
        float[] qa = q.f32(), ka = k.f32(), va = v.f32(), ga = dout.f32(), oa = out.f32(), la = lse.f32();
        int qo = q.offset(), ko = k.offset(), vo = v.offset(), go = dout.offset(), oo = out.offset(), lo = lse.offset();
        VectorSpecies<Float> sp = sc.species();
        float fs = (float) scale;
        boolean needScores = dq != null || dk != null;
        sc.parallel().forEach(bh, g -> {
            float[] w = scratch(dh * s + 2 * t * s);
            int pz = dh * s, dz = pz + t * s;
            int qg = qo + g * t * dh, kg = ko + g * s * dh, vg = vo + g * s * dh, gg = go + g * t * dh, og = oo + g * t * dh;
            RowMath.transpose(ka, kg, s, dh, w, 0); // kᵀ: (Dh, S)
            RowMath.gemm(sp, t, s, dh, fs, qa, qg, dh, false, w, 0, s, w, pz, s, false);
            for (int i = 0; i < t; i++) RowMath.expShiftSum(sp, w, pz + i * s, w, pz + i * s, s, la[lo + g * t + i]); // P (T, S)
            if (dv != null) {
                RowMath.gemm(sp, s, dh, t, 1f, w, pz, s, true, ga, gg, dh, dv.f32(), dv.offset() + g * s * dh, dh, true);
            }
            if (!needScores) return;
            RowMath.transpose(va, vg, s, dh, w, 0); // vᵀ: (Dh, S)
            RowMath.gemm(sp, t, s, dh, 1f, ga, gg, dh, false, w, 0, s, w, dz, s, false); // dP (T, S)
            for (int i = 0; i < t; i++) {
                int row = dz + i * s, prow = pz + i * s;
                float d = RowMath.dot(sp, ga, gg + i * dh, oa, og + i * dh, dh);
                for (int j = 0; j < s; j++) w[row + j] = w[prow + j] * (w[row + j] - d);
            }
            if (dq != null) RowMath.gemm(sp, t, dh, s, fs, w, dz, s, false, ka, kg, dh, dq.f32(), dq.offset() + g * t * dh, dh, true);
            if (dk != null) RowMath.gemm(sp, s, dh, t, fs, w, dz, s, true, qa, qg, dh, dk.f32(), dk.offset() + g * s * dh, dh, true);
        });
    }
}
