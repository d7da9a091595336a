package io.tessera.tensor.cpu.simd;

import io.tessera.tensor.Tensor;
import io.tessera.tensor.cpu.Parallel;
import io.tessera.tensor.spi.OpChecks;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API F32 losses with the semantics of {@link io.tessera.tensor.cpu.RefLoss}: softmax
 * cross-entropy with label smoothing and MAE's masked mean squared error, forward and
 * backward. Row-parallel over fixed chunks; the masked-MSE sum adds per-chunk partials in
 * chunk order, so the loss does not depend on the thread count.
 */
public final class SimdLoss {
    /** The per-row loops of this class ({@link LossLoops}, one copy per width), each with a scalar tail. */
    interface Loops {
        /** d[do + j] += (p[po + j] − off)·g, j &lt; n. */
        void shiftedAxpy(float[] p, int po, float off, float g, float[] d, int dOff, int n);

        /** Σ_j (a[ao + j] − b[bo + j])², lanes summed in lane order, then the tail. */
        float squaredDistance(float[] a, int ao, float[] b, int bo, int n);

        /** With e = (a − b)·f: dp += e, dt −= e (either may be null). */
        void scaledDifference(float[] a, int ao, float[] b, int bo, float f, float[] dp, int dpo, float[] dt, int dto, int n);
    }

    private static final Loops[] LOOPS = WidthCopies.all(Loops.class, "LossLoops", Loops[]::new);

    private SimdLoss() {
    }

    private static Loops loops(SimdContext sc) {
        return LOOPS[WidthCopies.index(sc.species())];
    }

    /** The labels (N) as a fresh array, after checking each lies in [0, V). */
    private static int[] labels(String op, OpChecks.Sizes z, Tensor labels) {
        int n = z.rows();
        int[] y = new int[n];
        System.arraycopy(labels.i32(), labels.offset(), y, 0, n);
        OpChecks.labelsInRange(op, y, 0, n, z.cols());
        return y;
    }

    /**
     * probs = softmax(logits) (N, V), or null when not kept; with lse = log Σ exp(logits):
     * losses[n] = (1 − ε)·(lse − logits[n, y_n]) + ε·(lse − mean_V logits[n, ·]).
     */
    public static void crossEntropy(SimdContext sc, Tensor losses, Tensor probs, Tensor logits, Tensor labels, double smoothing) {
        int[] y = labels("crossEntropy", OpChecks.crossEntropy(losses, probs, logits, labels, smoothing), labels);
        int n = logits.dim(0), v = logits.dim(1), per = RowMath.rowsPerChunk(v);
        // without probs the softmax goes to a scratch of (N, V)
        float[] xa = logits.f32(), pa = probs == null ? new float[n * v] : probs.f32(), la = losses.f32();
        int xo = logits.offset(), po = probs == null ? 0 : probs.offset(), lo = losses.offset();
        VectorSpecies<Float> sp = sc.species();
        sc.parallel().forEach(Parallel.chunks(n, per), ch -> {
            for (int r = ch * per, end = Math.min(n, r + per); r < end; r++) {
                int xr = xo + r * v, pr = po + r * v;
                float max = RowMath.max(sp, xa, xr, v);
                double mean = (double) RowMath.sum(sp, xa, xr, v) / v;
                float sum = RowMath.expShiftSum(sp, xa, xr, pa, pr, v, max);
                RowMath.scale(sp, pa, pr, v, 1f / sum);
                double lse = max + StrictMath.log(sum);
                la[lo + r] = (float) ((1 - smoothing) * (lse - xa[xr + y[r]]) + smoothing * (lse - mean));
            }
        });
    }

    /** dlogits[n, v] += dlosses[n]·(probs[n, v] − ε/V − (1 − ε)·[v = y_n]). */
    public static void crossEntropyBackward(SimdContext sc, Tensor dlogits, Tensor dlosses, Tensor probs, Tensor labels, double smoothing) {
        int[] y = labels("crossEntropyBackward", OpChecks.crossEntropyBackward(dlogits, dlosses, probs, labels, smoothing), labels);
        if (dlogits == null) return;
        int n = probs.dim(0), v = probs.dim(1), per = RowMath.rowsPerChunk(v);
        float[] pa = probs.f32(), ga = dlosses.f32(), da = dlogits.f32();
        int po = probs.offset(), go = dlosses.offset(), dOff = dlogits.offset();
        float off = (float) (smoothing / v), hit = (float) (1 - smoothing);
        Loops k = loops(sc);
        sc.parallel().forEach(Parallel.chunks(n, per), ch -> {
            for (int r = ch * per, end = Math.min(n, r + per); r < end; r++) {
                int dr = dOff + r * v;
                float g = ga[go + r];
                k.shiftedAxpy(pa, po + r * v, off, g, da, dr, v);
                da[dr + y[r]] -= g * hit;
            }
        });
    }

    /** Σ mask in double, in index order; throws when it is zero. */
    private static double maskSum(String op, Tensor mask) {
        double s = 0;
        float[] m = mask.f32();
        for (int i = 0, o = mask.offset(); i < mask.size(); i++) s += m[o + i];
        return OpChecks.maskSum(op, s, mask);
    }

    /** loss = Σ_{b,l} mask·mean_P (pred − target)² / Σ mask; pred, target (B, L, P), mask (B, L). */
    public static void maskedMse(SimdContext sc, Tensor loss, Tensor pred, Tensor target, Tensor mask) {
        OpChecks.maskedMse(loss, pred, target, mask);
        double den = maskSum("maskedMse", mask);
        int rows = pred.dim(0) * pred.dim(1), p = pred.dim(2), per = RowMath.rowsPerChunk(p), chunks = Parallel.chunks(rows, per);
        float[] a = pred.f32(), b = target.f32(), m = mask.f32();
        int ao = pred.offset(), bo = target.offset(), mo = mask.offset();
        double[] partial = new double[chunks];
        Loops k = loops(sc);
        sc.parallel().forEach(chunks, ch -> {
            double acc = 0;
            for (int r = ch * per, end = Math.min(rows, r + per); r < end; r++) {
                float mr = m[mo + r];
                if (mr == 0) continue;
                float s = k.squaredDistance(a, ao + r * p, b, bo + r * p, p);
                acc += (double) mr * s / p;
            }
            partial[ch] = acc;
        });
        double num = 0;
        for (double x : partial) num += x;
        loss.f32()[loss.offset()] = (float) (num / den);
    }

    /** dpred += dloss·mask·2(pred − target)/(P·Σ mask); dtarget −= the same. */
    public static void maskedMseBackward(SimdContext sc, Tensor dpred, Tensor dtarget, Tensor dloss, Tensor pred, Tensor target, Tensor mask) {
        OpChecks.maskedMseBackward(dpred, dtarget, dloss, pred, target, mask);
        if (dpred == null && dtarget == null) return;
        double den = maskSum("maskedMseBackward", mask);
        int rows = pred.dim(0) * pred.dim(1), p = pred.dim(2), per = RowMath.rowsPerChunk(p);
        double c = dloss.f32()[dloss.offset()] * 2.0 / (p * den);
        float[] a = pred.f32(), b = target.f32(), m = mask.f32();
        int ao = pred.offset(), bo = target.offset(), mo = mask.offset();
        Loops k = loops(sc);
        float[] dp = dpred == null ? null : dpred.f32(), dt = dtarget == null ? null : dtarget.f32();
        int dpo = dpred == null ? 0 : dpred.offset(), dto = dtarget == null ? 0 : dtarget.offset();
        sc.parallel().forEach(Parallel.chunks(rows, per), ch -> {
            for (int r = ch * per, end = Math.min(rows, r + per); r < end; r++) {
                float f = (float) (c * m[mo + r]);
                if (f == 0) continue;
                k.scaledDifference(a, ao + r * p, b, bo + r * p, f, dp, dpo + r * p, dt, dto + r * p, p);
            }
        });
    }
}
