package io.tessera.tensor.cpu.simd;

import io.tessera.tensor.Tensor;
import io.tessera.tensor.cpu.Parallel;
import io.tessera.tensor.spi.OpChecks;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API F32 kernels for softmax, LayerNorm, BatchNorm1d and L2 normalisation, with the
 * semantics of {@link io.tessera.tensor.cpu.RefNorm}. Row ops run over fixed chunks of rows;
 * LayerNorm's dw/db sum per-chunk partials in chunk order; BatchNorm works on fixed blocks of
 * channels. Chunking depends only on the sizes, so any thread count gives the same bits.
 * Arguments are checked by {@link OpChecks}, as on every backend.
 */
public final class SimdNorm {
    /** Channels per BatchNorm work block (fixed, independent of the thread count). */
    static final int CHANNEL_BLOCK = 64;

    /** The vector loops of this class ({@link NormLoops}, one copy per width), each with a scalar tail. */
    interface Loops {
        /** dx[xr + j] += (g[gr + j] − dot)·y[yr + j], j &lt; d. */
        void softmaxBackwardRow(float[] g, int gr, float[] y, int yr, float[] dx, int xr, int d, float dot);

        /** y = (x − mu)·rs (·w) (+ b) over one row of d; w, b may be null. */
        void layerNormRow(float[] x, int xr, float[] y, int yr, float[] w, int wo, float[] b, int bo, int d, float mu, float rs);

        /**
         * With h = (x − mu)·rs and gw = g·w (g when w is null): cw[cwo + j] += g·h, cb[cbo + j] += g
         * (either may be null); sums[0] = Σ gw, sums[1] = Σ gw·h.
         */
        void layerNormGradSums(float[] g, int gr, float[] x, int xr, float[] w, int wo, float[] cw, int cwo, float[] cb, int cbo,
                               int d, float mu, float rs, float[] sums);

        /** dx += rs·(gw − mg − h·mgh) over one row, h and gw as in {@link #layerNormGradSums}. */
        void layerNormDx(float[] g, int gr, float[] x, int xr, float[] w, int wo, float[] dx, int dr, int d,
                         float mu, float rs, float mg, float mgh);

        /** acc[j] += (x[o + j] − mu[j])² over a channel block. */
        void squaredDeviation(float[] x, int o, float[] mu, float[] acc, int n);

        /** y[yo + j] = x[xo + j]·scale[j] + shift[j]. */
        void affineRow(float[] x, int xo, float[] scale, float[] shift, float[] y, int yo, int n);

        /** With h = (x − mu)·rs per channel: sg += g, sgh += g·h over one row of a channel block. */
        void batchNormSums(float[] g, int gr, float[] x, int xr, float[] mu, float[] rs, float[] sg, float[] sgh, int cw);

        /** dx += k·(g − mg − h·mgh) over one row of a channel block. */
        void batchNormDx(float[] g, int gr, float[] x, int xr, float[] mu, float[] rs, float[] mg, float[] mgh, float[] k,
                         float[] dx, int dr, int cw);

        /** sg += g, sgh += g·(x − rm), dx += g·ws (dx may be null) over one row of a channel block. */
        void batchNormEvalRow(float[] g, int gr, float[] x, int xr, float[] rm, float[] ws, int c0, float[] sg, float[] sgh,
                              float[] dx, int dr, int cw);

        /** y = x / den over one row. */
        void divideRow(float[] x, int xr, float[] y, int yr, int d, float den);

        /** dx += (g − y·dot when through, else g)·inv over one row. */
        void l2BackwardRow(float[] g, int gr, float[] y, int yr, float[] dx, int xr, int d, boolean through, float dot, float inv);
    }

    private static final Loops[] LOOPS = WidthCopies.all(Loops.class, "NormLoops", Loops[]::new);

    private SimdNorm() {
    }

    private static Loops loops(SimdContext sc) {
        return LOOPS[WidthCopies.index(sc.species())];
    }

    private static int rows(Tensor x) {
        return x.size() / Math.max(1, x.dim(-1));
    }

    /** y = exp(x − max) / Σ exp(x − max) along the last axis; x, y: (N, D). */
    public static void softmax(SimdContext sc, Tensor y, Tensor x) {
        OpChecks.softmax(y, x);
        int d = x.dim(-1), n = rows(x), per = RowMath.rowsPerChunk(d);
        float[] xa = x.f32(), ya = y.f32();
        int xo = x.offset(), yo = y.offset();
        VectorSpecies<Float> sp = sc.species();
        sc.parallel().forEach(Parallel.chunks(n, per), ch -> {
            for (int r = ch * per, end = Math.min(n, r + per); r < end; r++) {
                float max = RowMath.max(sp, xa, xo + r * d, d);
                float sum = RowMath.expShiftSum(sp, xa, xo + r * d, ya, yo + r * d, d, max);
                RowMath.scale(sp, ya, yo + r * d, d, 1f / sum);
            }
        });
    }

    /** dx += y ⊙ (dy − Σ dy ⊙ y) along the last axis. */
    public static void softmaxBackward(SimdContext sc, Tensor dx, Tensor dy, Tensor y) {
        OpChecks.softmaxBackward(dx, dy, y);
        if (dx == null) return;
        int d = y.dim(-1), n = rows(y), per = RowMath.rowsPerChunk(d);
        float[] ga = dy.f32(), ya = y.f32(), xa = dx.f32();
        int go = dy.offset(), yo = y.offset(), xo = dx.offset();
        VectorSpecies<Float> sp = sc.species();
        Loops k = loops(sc);
        sc.parallel().forEach(Parallel.chunks(n, per), ch -> {
            for (int r = ch * per, end = Math.min(n, r + per); r < end; r++) {
                int gr = go + r * d, yr = yo + r * d, xr = xo + r * d;
                k.softmaxBackwardRow(ga, gr, ya, yr, xa, xr, d, RowMath.dot(sp, ga, gr, ya, yr, d));
            }
        });
    }

    /**
     * LayerNorm over the last axis: y = (x − μ)·rstd·w + b with rstd = 1/√(σ² + eps) (biased
     * variance, two passes). x, y: (N, D); w, b: (D) or null; mean, rstd: (N), written.
     */
    public static void layerNorm(SimdContext sc, Tensor y, Tensor mean, Tensor rstd, Tensor x, Tensor w, Tensor b, double eps) {
        OpChecks.layerNorm(y, mean, rstd, x, w, b, eps);
        int d = x.dim(-1), n = rows(x), per = RowMath.rowsPerChunk(d);
        float[] xa = x.f32(), ya = y.f32();
        float[] wa = w == null ? null : w.f32(), ba = b == null ? null : b.f32();
        int xo = x.offset(), yo = y.offset(), wo = w == null ? 0 : w.offset(), bo = b == null ? 0 : b.offset();
        VectorSpecies<Float> sp = sc.species();
        Loops k = loops(sc);
        sc.parallel().forEach(Parallel.chunks(n, per), ch -> {
            for (int r = ch * per, end = Math.min(n, r + per); r < end; r++) {
                int xr = xo + r * d, yr = yo + r * d;
                float mu = RowMath.sum(sp, xa, xr, d) / d;
                float var = RowMath.sumSquaredDeviation(sp, xa, xr, d, mu) / d;
                float rs = (float) (1.0 / Math.sqrt(var + eps));
                if (mean != null) mean.f32()[mean.offset() + r] = mu;
                if (rstd != null) rstd.f32()[rstd.offset() + r] = rs;
                k.layerNormRow(xa, xr, ya, yr, wa, wo, ba, bo, d, mu, rs);
            }
        });
    }

    /**
     * With x̂ = (x − μ)·rstd and g = dy·w: dx += rstd·(g − mean g − x̂·mean(g·x̂)); dw += Σ_N dy·x̂,
     * db += Σ_N dy, each chunk of rows summing into its own partial, partials added in chunk order.
     */
    public static void layerNormBackward(SimdContext sc, Tensor dx, Tensor dw, Tensor db, Tensor dy, Tensor x, Tensor w, Tensor mean, Tensor rstd) {
        OpChecks.layerNormBackward(dx, dw, db, dy, x, w, mean, rstd);
        int d = x.dim(-1), n = rows(x), per = RowMath.rowsPerChunk(d), chunks = Parallel.chunks(n, per);
        float[] xa = x.f32(), ga = dy.f32(), ma = mean.f32(), ra = rstd.f32();
        float[] wa = w == null ? null : w.f32(), dxa = dx == null ? null : dx.f32();
        int xo = x.offset(), go = dy.offset(), mo = mean.offset(), ro = rstd.offset(), wo = w == null ? 0 : w.offset();
        int dxo = dx == null ? 0 : dx.offset();
        // per-chunk partials of dw (chunk c at c·d) and db (at (chunks + c)·d), reused between calls
        float[] part = partials(2 * chunks * d);
        java.util.Arrays.fill(part, 0, 2 * chunks * d, 0f);
        float[] pw = dw == null ? null : part, pb = db == null ? null : part;
        VectorSpecies<Float> sp = sc.species();
        Loops k = loops(sc);
        sc.parallel().forEach(chunks, ch -> {
            float[] sums = new float[2];
            int cwo = ch * d, cbo = (chunks + ch) * d;
            for (int r = ch * per, end = Math.min(n, r + per); r < end; r++) {
                int xr = xo + r * d, gr = go + r * d;
                float mu = ma[mo + r], rs = ra[ro + r];
                k.layerNormGradSums(ga, gr, xa, xr, wa, wo, pw, cwo, pb, cbo, d, mu, rs, sums);
                if (dxa != null) k.layerNormDx(ga, gr, xa, xr, wa, wo, dxa, dxo + r * d, d, mu, rs, sums[0] / d, sums[1] / d);
            }
        });
        if (pw != null) addPartials(sp, part, 0, chunks, dw.f32(), dw.offset(), d);
        if (pb != null) addPartials(sp, part, chunks * d, chunks, db.f32(), db.offset(), d);
    }

    /** dst[off + j] += Σ_c parts[po + c·d + j], the chunks summed in order 0, 1, 2, … (deterministic). */
    private static void addPartials(VectorSpecies<Float> sp, float[] parts, int po, int chunks, float[] dst, int off, int d) {
        for (int c = 1; c < chunks; c++) RowMath.add(sp, parts, po + c * d, parts, po, d);
        RowMath.add(sp, parts, po, dst, off, d);
    }

    /** Per-calling-thread room for LayerNorm's per-chunk partials, grown on demand. */
    private static final ThreadLocal<float[]> PARTIALS = ThreadLocal.withInitial(() -> new float[0]);

    private static float[] partials(int size) {
        float[] p = PARTIALS.get();
        if (p.length < size) {
            p = new float[size];
            PARTIALS.set(p);
        }
        return p;
    }

    // ---- BatchNorm1d: blocks of channels ---------------------------------------------------

    private static int channelBlocks(int c) {
        return Parallel.chunks(c, CHANNEL_BLOCK);
    }

    /**
     * Training-mode BatchNorm1d on x (N, C): batch mean and biased variance per channel (two
     * passes), y = (x − μ)·rstd·w + b; mean, rstd (C) written; running statistics updated with
     * momentum and the unbiased variance, as PyTorch does.
     */
    public static void batchNormTrain(SimdContext sc, Tensor y, Tensor mean, Tensor rstd, Tensor runningMean, Tensor runningVar,
                                      Tensor x, Tensor w, Tensor b, double momentum, double eps) {
        OpChecks.batchNormTrain(y, mean, rstd, runningMean, runningVar, x, w, b, momentum, eps);
        int n = x.dim(0), c = x.dim(1);
        float[] xa = x.f32(), ya = y.f32();
        int xo = x.offset(), yo = y.offset();
        VectorSpecies<Float> sp = sc.species();
        Loops k = loops(sc);
        sc.parallel().forEach(channelBlocks(c), blk -> {
            int c0 = blk * CHANNEL_BLOCK, cw = Math.min(c, c0 + CHANNEL_BLOCK) - c0;
            float[] mu = new float[cw], var = new float[cw], scale = new float[cw], shift = new float[cw];
            for (int i = 0; i < n; i++) RowMath.add(sp, xa, xo + i * c + c0, mu, 0, cw);
            for (int j = 0; j < cw; j++) mu[j] /= n;
            for (int i = 0; i < n; i++) k.squaredDeviation(xa, xo + i * c + c0, mu, var, cw);
            for (int j = 0; j < cw; j++) {
                int ch = c0 + j;
                float v = var[j] / n, rs = (float) (1.0 / Math.sqrt(v + eps));
                if (mean != null) mean.f32()[mean.offset() + ch] = mu[j];
                if (rstd != null) rstd.f32()[rstd.offset() + ch] = rs;
                if (runningMean != null) {
                    float[] rm = runningMean.f32();
                    int at = runningMean.offset() + ch;
                    rm[at] = (float) ((1 - momentum) * rm[at] + momentum * mu[j]);
                }
                if (runningVar != null) {
                    float[] rv = runningVar.f32();
                    int at = runningVar.offset() + ch;
                    double unbiased = n > 1 ? (double) v * n / (n - 1) : v;
                    rv[at] = (float) ((1 - momentum) * rv[at] + momentum * unbiased);
                }
                float wj = w == null ? 1f : w.f32()[w.offset() + ch], bj = b == null ? 0f : b.f32()[b.offset() + ch];
                scale[j] = rs * wj;
                shift[j] = bj - mu[j] * rs * wj;
            }
            for (int i = 0; i < n; i++) k.affineRow(xa, xo + i * c + c0, scale, shift, ya, yo + i * c + c0, cw);
        });
    }

    /** Eval-mode BatchNorm1d: y = x·a + c with a = w/√(runningVar + eps), c = b − runningMean·a. */
    public static void batchNormEval(SimdContext sc, Tensor y, Tensor x, Tensor runningMean, Tensor runningVar, Tensor w, Tensor b, double eps) {
        OpChecks.batchNormEval(y, x, runningMean, runningVar, w, b, eps);
        int n = x.dim(0), c = x.dim(1);
        float[] scale = new float[c], shift = new float[c];
        evalAffine(scale, shift, runningMean, runningVar, w, b, eps);
        float[] xa = x.f32(), ya = y.f32();
        int xo = x.offset(), yo = y.offset(), per = RowMath.rowsPerChunk(c);
        Loops k = loops(sc);
        sc.parallel().forEach(Parallel.chunks(n, per), ch -> {
            for (int i = ch * per, end = Math.min(n, i + per); i < end; i++) k.affineRow(xa, xo + i * c, scale, shift, ya, yo + i * c, c);
        });
    }

    private static void evalAffine(float[] scale, float[] shift, Tensor runningMean, Tensor runningVar, Tensor w, Tensor b, double eps) {
        for (int j = 0; j < scale.length; j++) {
            double s = 1.0 / Math.sqrt(runningVar.f32()[runningVar.offset() + j] + eps);
            double wj = w == null ? 1 : w.f32()[w.offset() + j], bj = b == null ? 0 : b.f32()[b.offset() + j];
            scale[j] = (float) (s * wj);
            shift[j] = (float) (bj - runningMean.f32()[runningMean.offset() + j] * s * wj);
        }
    }

    /**
     * Training-mode backward per channel block, with x̂ = (x − μ)·rstd:
     * dx += rstd·w·(dy − mean_N dy − x̂·mean_N(dy·x̂)), dw += Σ_N dy·x̂, db += Σ_N dy.
     */
    public static void batchNormBackward(SimdContext sc, Tensor dx, Tensor dw, Tensor db, Tensor dy, Tensor x, Tensor w, Tensor mean, Tensor rstd) {
        OpChecks.batchNormBackward(dx, dw, db, dy, x, w, mean, rstd);
        int n = x.dim(0), c = x.dim(1);
        float[] xa = x.f32(), ga = dy.f32();
        int xo = x.offset(), go = dy.offset();
        VectorSpecies<Float> sp = sc.species();
        Loops k = loops(sc);
        sc.parallel().forEach(channelBlocks(c), blk -> {
            int c0 = blk * CHANNEL_BLOCK, cw = Math.min(c, c0 + CHANNEL_BLOCK) - c0;
            float[] mu = new float[cw], rs = new float[cw], sg = new float[cw], sgh = new float[cw];
            System.arraycopy(mean.f32(), mean.offset() + c0, mu, 0, cw);
            System.arraycopy(rstd.f32(), rstd.offset() + c0, rs, 0, cw);
            for (int i = 0; i < n; i++) k.batchNormSums(ga, go + i * c + c0, xa, xo + i * c + c0, mu, rs, sg, sgh, cw);
            if (dw != null) RowMath.add(sp, sgh, 0, dw.f32(), dw.offset() + c0, cw);
            if (db != null) RowMath.add(sp, sg, 0, db.f32(), db.offset() + c0, cw);
            if (dx == null) return;
            // dx = k·dy + (k·(−mean dy) − k·x̂·mean(dy·x̂)) = k·dy − k·mg − h·k·mgh, with k = rstd·w
            float[] kk = new float[cw], mg = new float[cw], mgh = new float[cw];
            for (int j = 0; j < cw; j++) {
                kk[j] = rs[j] * (w == null ? 1f : w.f32()[w.offset() + c0 + j]);
                mg[j] = sg[j] / n;
                mgh[j] = sgh[j] / n;
            }
            float[] dxa = dx.f32();
            int dxo = dx.offset();
            for (int i = 0; i < n; i++) {
                int row = i * c + c0;
                k.batchNormDx(ga, go + row, xa, xo + row, mu, rs, mg, mgh, kk, dxa, dxo + row, cw);
            }
        });
    }

    /**
     * Eval-mode backward, s = 1/√(runningVar + eps): dx += dy·w·s, dw += Σ_N dy·(x − runningMean)·s,
     * db += Σ_N dy, per channel block.
     */
    public static void batchNormEvalBackward(SimdContext sc, Tensor dx, Tensor dw, Tensor db, Tensor dy, Tensor x, Tensor runningMean,
                                             Tensor runningVar, Tensor w, double eps) {
        OpChecks.batchNormEvalBackward(dx, dw, db, dy, x, runningMean, runningVar, w, eps);
        int n = x.dim(0), c = x.dim(1);
        float[] s = new float[c], ws = new float[c], rm = new float[c];
        for (int j = 0; j < c; j++) {
            double sj = 1.0 / Math.sqrt(runningVar.f32()[runningVar.offset() + j] + eps);
            s[j] = (float) sj;
            ws[j] = (float) (sj * (w == null ? 1 : w.f32()[w.offset() + j]));
            rm[j] = runningMean.f32()[runningMean.offset() + j];
        }
        float[] xa = x.f32(), ga = dy.f32();
        int xo = x.offset(), go = dy.offset();
        Loops k = loops(sc);
        sc.parallel().forEach(channelBlocks(c), blk -> {
            int c0 = blk * CHANNEL_BLOCK, cw = Math.min(c, c0 + CHANNEL_BLOCK) - c0;
            float[] sg = new float[cw], sgh = new float[cw];
            float[] dxa = dx == null ? null : dx.f32();
            for (int i = 0; i < n; i++) {
                int row = i * c + c0;
                k.batchNormEvalRow(ga, go + row, xa, xo + row, rm, ws, c0, sg, sgh, dxa, dx == null ? 0 : dx.offset() + row, cw);
            }
            for (int j = 0; j < cw; j++) {
                if (dw != null) dw.f32()[dw.offset() + c0 + j] += sgh[j] * s[c0 + j];
                if (db != null) db.f32()[db.offset() + c0 + j] += sg[j];
            }
        });
    }

    // ---- L2 normalisation -----------------------------------------------------------------

    /** y = x / max(‖x‖₂, eps) along the last axis; norm (N) = ‖x‖₂. */
    public static void l2Normalize(SimdContext sc, Tensor y, Tensor norm, Tensor x, double eps) {
        OpChecks.l2Normalize(y, norm, x, eps);
        int d = x.dim(-1), n = rows(x), per = RowMath.rowsPerChunk(d);
        float[] xa = x.f32(), ya = y.f32();
        int xo = x.offset(), yo = y.offset();
        VectorSpecies<Float> sp = sc.species();
        Loops k = loops(sc);
        sc.parallel().forEach(Parallel.chunks(n, per), ch -> {
            for (int r = ch * per, end = Math.min(n, r + per); r < end; r++) {
                int xr = xo + r * d, yr = yo + r * d;
                double nr = Math.sqrt(RowMath.dot(sp, xa, xr, xa, xr, d));
                if (norm != null) norm.f32()[norm.offset() + r] = (float) nr;
                float den = (float) Math.max(nr, eps);
                k.divideRow(xa, xr, ya, yr, d, den);
            }
        });
    }

    /**
     * Where ‖x‖ ≥ eps: dx += (dy − y·(y·dy)) / ‖x‖; where the norm was clamped to eps:
     * dx += dy / eps.
     */
    public static void l2NormalizeBackward(SimdContext sc, Tensor dx, Tensor dy, Tensor x, Tensor y, Tensor norm, double eps) {
        OpChecks.l2NormalizeBackward(dx, dy, x, y, norm, eps);
        if (dx == null) return;
        int d = y.dim(-1), n = rows(y), per = RowMath.rowsPerChunk(d);
        float[] ga = dy.f32(), ya = y.f32(), xa = dx.f32(), na = norm.f32();
        int go = dy.offset(), yo = y.offset(), xo = dx.offset(), no = norm.offset();
        VectorSpecies<Float> sp = sc.species();
        Loops k = loops(sc);
        sc.parallel().forEach(Parallel.chunks(n, per), ch -> {
            for (int r = ch * per, end = Math.min(n, r + per); r < end; r++) {
                int gr = go + r * d, yr = yo + r * d, xr = xo + r * d;
                float nr = na[no + r];
                boolean through = nr >= eps && nr > 0;
                float dot = through ? RowMath.dot(sp, ya, yr, ga, gr, d) : 0f;
                float inv = (float) (1.0 / (through ? nr : eps));
                k.l2BackwardRow(ga, gr, ya, yr, xa, xr, d, through, dot, inv);
            }
        });
    }
}
