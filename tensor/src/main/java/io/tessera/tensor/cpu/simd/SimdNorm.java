package io.tessera.tensor.cpu.simd;

import io.tessera.tensor.Tensor;
import io.tessera.tensor.cpu.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API F32 kernels for softmax, LayerNorm, BatchNorm1d and L2 normalisation, with the
 * semantics of {@link io.tessera.tensor.cpu.RefNorm}. Row ops run over fixed chunks of rows;
 * LayerNorm's dw/db sum per-chunk partials in chunk order; BatchNorm works on fixed blocks of
 * channels. Chunking depends only on the sizes, so any thread count gives the same bits.
 */
public final class SimdNorm {
    /** Channels per BatchNorm work block (fixed, independent of the thread count). */
    static final int CHANNEL_BLOCK = 64;

    private SimdNorm() {
    }

    private static int rows(Tensor x) {
        return x.size() / Math.max(1, x.dim(-1));
    }

    /** Throws unless every non-null tensor has the expected element count. */
    private static void sizes(String op, int expected, String what, Tensor... ts) {
        for (Tensor t : ts) {
            if (t != null && t.size() != expected) {
                throw new IllegalArgumentException(op + ": " + what + " " + t.describe() + " must have " + expected + " elements");
            }
        }
    }

    private static void rowsOf(String op, Tensor x, Tensor w, Tensor b, Tensor mean, Tensor rstd) {
        if (x.rank() == 0) throw new IllegalArgumentException(op + ": needs x (N, D), got " + x.describe());
        sizes(op, x.dim(-1), "weight/bias for x " + x.shape(), w, b);
        sizes(op, rows(x), "row statistic for x " + x.shape(), mean, rstd);
    }

    private static void channels(String op, Tensor x, Tensor... perChannel) {
        if (x.rank() != 2) throw new IllegalArgumentException(op + " expects x (N, C), got " + x.describe());
        sizes(op, x.dim(1), "per-channel tensor for x " + x.shape(), perChannel);
    }

    /** y = exp(x − max) / Σ exp(x − max) along the last axis; x, y: (N, D). */
    public static void softmax(SimdContext sc, Tensor y, Tensor x) {
        rowsOf("softmax", x, null, null, null, null);
        sizes("softmax", x.size(), "y for x " + x.shape(), y);
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
        if (dx == null) return;
        rowsOf("softmaxBackward", y, null, null, null, null);
        sizes("softmaxBackward", y.size(), "dx/dy for y " + y.shape(), dx, dy);
        int d = y.dim(-1), n = rows(y), per = RowMath.rowsPerChunk(d);
        float[] ga = dy.f32(), ya = y.f32(), xa = dx.f32();
        int go = dy.offset(), yo = y.offset(), xo = dx.offset();
        VectorSpecies<Float> sp = sc.species();
        int l = sp.length();
        sc.parallel().forEach(Parallel.chunks(n, per), ch -> {
            for (int r = ch * per, end = Math.min(n, r + per); r < end; r++) {
                int gr = go + r * d, yr = yo + r * d, xr = xo + r * d;
                float dot = RowMath.dot(sp, ga, gr, ya, yr, d);
                int j = 0;
                for (; j <= d - l; j += l) {
                    FloatVector yv = FloatVector.fromArray(sp, ya, yr + j);
                    FloatVector.fromArray(sp, ga, gr + j).sub(dot).fma(yv, FloatVector.fromArray(sp, xa, xr + j)).intoArray(xa, xr + j);
                }
                for (; j < d; j++) xa[xr + j] = Math.fma(ga[gr + j] - dot, ya[yr + j], xa[xr + j]);
            }
        });
    }

    /**
     * LayerNorm over the last axis: y = (x − μ)·rstd·w + b with rstd = 1/√(σ² + eps) (biased
     * variance, two passes). x, y: (N, D); w, b: (D) or null; mean, rstd: (N), written.
     */
    public static void layerNorm(SimdContext sc, Tensor y, Tensor mean, Tensor rstd, Tensor x, Tensor w, Tensor b, double eps) {
        rowsOf("layerNorm", x, w, b, mean, rstd);
        sizes("layerNorm", x.size(), "y for x " + x.shape(), y);
        int d = x.dim(-1), n = rows(x), per = RowMath.rowsPerChunk(d);
        float[] xa = x.f32(), ya = y.f32();
        float[] wa = w == null ? null : w.f32(), ba = b == null ? null : b.f32();
        int xo = x.offset(), yo = y.offset(), wo = w == null ? 0 : w.offset(), bo = b == null ? 0 : b.offset();
        VectorSpecies<Float> sp = sc.species();
        int l = sp.length();
        sc.parallel().forEach(Parallel.chunks(n, per), ch -> {
            for (int r = ch * per, end = Math.min(n, r + per); r < end; r++) {
                int xr = xo + r * d, yr = yo + r * d;
                float mu = RowMath.sum(sp, xa, xr, d) / d;
                float var = RowMath.sumSquaredDeviation(sp, xa, xr, d, mu) / d;
                float rs = (float) (1.0 / Math.sqrt(var + eps));
                if (mean != null) mean.f32()[mean.offset() + r] = mu;
                if (rstd != null) rstd.f32()[rstd.offset() + r] = rs;
                int j = 0;
                for (; j <= d - l; j += l) {
                    FloatVector h = FloatVector.fromArray(sp, xa, xr + j).sub(mu).mul(rs);
                    if (wa != null) h = h.mul(FloatVector.fromArray(sp, wa, wo + j));
                    if (ba != null) h = h.add(FloatVector.fromArray(sp, ba, bo + j));
                    h.intoArray(ya, yr + j);
                }
                for (; j < d; j++) {
                    float h = (xa[xr + j] - mu) * rs;
                    if (wa != null) h *= wa[wo + j];
                    if (ba != null) h += ba[bo + j];
                    ya[yr + j] = h;
                }
            }
        });
    }

    /**
     * With x̂ = (x − μ)·rstd and g = dy·w: dx += rstd·(g − mean g − x̂·mean(g·x̂)); dw += Σ_N dy·x̂,
     * db += Σ_N dy, each chunk of rows summing into its own partial, partials added in chunk order.
     */
    public static void layerNormBackward(SimdContext sc, Tensor dx, Tensor dw, Tensor db, Tensor dy, Tensor x, Tensor w, Tensor mean, Tensor rstd) {
        rowsOf("layerNormBackward", x, w, null, mean, rstd);
        sizes("layerNormBackward", x.dim(-1), "dw/db for x " + x.shape(), dw, db);
        sizes("layerNormBackward", x.size(), "dx/dy for x " + x.shape(), dx, dy);
        int d = x.dim(-1), n = rows(x), per = RowMath.rowsPerChunk(d), chunks = Parallel.chunks(n, per);
        float[] xa = x.f32(), ga = dy.f32(), ma = mean.f32(), ra = rstd.f32();
        float[] wa = w == null ? null : w.f32(), dxa = dx == null ? null : dx.f32();
        int xo = x.offset(), go = dy.offset(), mo = mean.offset(), ro = rstd.offset(), wo = w == null ? 0 : w.offset();
        int dxo = dx == null ? 0 : dx.offset();
        float[][] pw = dw == null ? null : new float[chunks][d], pb = db == null ? null : new float[chunks][d];
        VectorSpecies<Float> sp = sc.species();
        int l = sp.length();
        sc.parallel().forEach(chunks, ch -> {
            float[] cw = pw == null ? null : pw[ch], cb = pb == null ? null : pb[ch];
            for (int r = ch * per, end = Math.min(n, r + per); r < end; r++) {
                int xr = xo + r * d, gr = go + r * d;
                float mu = ma[mo + r], rs = ra[ro + r];
                FloatVector sg = d >= l ? FloatVector.fromArray(sp, ga, gr).broadcast(0f) : null, sgh = sg;
                int j = 0;
                for (; j <= d - l; j += l) {
                    FloatVector gv = FloatVector.fromArray(sp, ga, gr + j);
                    FloatVector h = FloatVector.fromArray(sp, xa, xr + j).sub(mu).mul(rs);
                    if (cw != null) gv.fma(h, FloatVector.fromArray(sp, cw, j)).intoArray(cw, j);
                    if (cb != null) gv.add(FloatVector.fromArray(sp, cb, j)).intoArray(cb, j);
                    if (wa != null) gv = gv.mul(FloatVector.fromArray(sp, wa, wo + j));
                    sg = sg.add(gv);
                    sgh = gv.fma(h, sgh);
                }
                float s1 = 0f, s2 = 0f;
                if (sg != null) {
                    float[] t = RowMath.lanes();
                    sg.intoArray(t, 0);
                    s1 = RowMath.sumLanes(t, l);
                    sgh.intoArray(t, 0);
                    s2 = RowMath.sumLanes(t, l);
                }
                for (; j < d; j++) {
                    float g = ga[gr + j], h = (xa[xr + j] - mu) * rs;
                    if (cw != null) cw[j] = Math.fma(g, h, cw[j]);
                    if (cb != null) cb[j] += g;
                    if (wa != null) g *= wa[wo + j];
                    s1 += g;
                    s2 = Math.fma(g, h, s2);
                }
                if (dxa == null) continue;
                float mg = s1 / d, mgh = s2 / d;
                int xr2 = dxo + r * d;
                j = 0;
                for (; j <= d - l; j += l) {
                    FloatVector gv = FloatVector.fromArray(sp, ga, gr + j);
                    if (wa != null) gv = gv.mul(FloatVector.fromArray(sp, wa, wo + j));
                    FloatVector h = FloatVector.fromArray(sp, xa, xr + j).sub(mu).mul(rs);
                    FloatVector t = gv.sub(mg).sub(h.mul(mgh));
                    t.fma(t.broadcast(rs), FloatVector.fromArray(sp, dxa, xr2 + j)).intoArray(dxa, xr2 + j);
                }
                for (; j < d; j++) {
                    float g = ga[gr + j];
                    if (wa != null) g *= wa[wo + j];
                    float h = (xa[xr + j] - mu) * rs;
                    dxa[xr2 + j] = Math.fma(g - mg - h * mgh, rs, dxa[xr2 + j]);
                }
            }
        });
        if (pw != null) addPartials(sp, pw, dw.f32(), dw.offset(), d);
        if (pb != null) addPartials(sp, pb, db.f32(), db.offset(), d);
    }

    /** dst[j] += Σ_c parts[c][j], the chunks summed in order 0, 1, 2, … (deterministic). */
    private static void addPartials(VectorSpecies<Float> sp, float[][] parts, float[] dst, int off, int d) {
        float[] total = parts[0].clone();
        for (int c = 1; c < parts.length; c++) RowMath.add(sp, parts[c], 0, total, 0, d);
        RowMath.add(sp, total, 0, dst, off, d);
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
        channels("batchNormTrain", x, mean, rstd, runningMean, runningVar, w, b);
        int n = x.dim(0), c = x.dim(1);
        float[] xa = x.f32(), ya = y.f32();
        int xo = x.offset(), yo = y.offset();
        VectorSpecies<Float> sp = sc.species();
        sc.parallel().forEach(channelBlocks(c), blk -> {
            int c0 = blk * CHANNEL_BLOCK, cw = Math.min(c, c0 + CHANNEL_BLOCK) - c0;
            float[] mu = new float[cw], var = new float[cw], scale = new float[cw], shift = new float[cw];
            for (int i = 0; i < n; i++) RowMath.add(sp, xa, xo + i * c + c0, mu, 0, cw);
            for (int j = 0; j < cw; j++) mu[j] /= n;
            for (int i = 0; i < n; i++) squaredDeviation(sp, xa, xo + i * c + c0, mu, var, cw);
            for (int j = 0; j < cw; j++) {
                int ch = c0 + j;
                float v = var[j] / n, rs = (float) (1.0 / Math.sqrt(v + eps));
                if (mean != null) mean.f32()[mean.offset() + ch] = mu[j];
                if (rstd != null) rstd.f32()[rstd.offset() + ch] = rs;
                if (runningMean != null) {
                    float[] rm = runningMean.f32();
                    int k = runningMean.offset() + ch;
                    rm[k] = (float) ((1 - momentum) * rm[k] + momentum * mu[j]);
                }
                if (runningVar != null) {
                    float[] rv = runningVar.f32();
                    int k = runningVar.offset() + ch;
                    double unbiased = n > 1 ? (double) v * n / (n - 1) : v;
                    rv[k] = (float) ((1 - momentum) * rv[k] + momentum * unbiased);
                }
                float wj = w == null ? 1f : w.f32()[w.offset() + ch], bj = b == null ? 0f : b.f32()[b.offset() + ch];
                scale[j] = rs * wj;
                shift[j] = bj - mu[j] * rs * wj;
            }
            for (int i = 0; i < n; i++) affineRow(sp, xa, xo + i * c + c0, scale, shift, ya, yo + i * c + c0, cw);
        });
    }

    /** acc[j] += (x[o + j] − mu[j])². */
    private static void squaredDeviation(VectorSpecies<Float> sp, float[] x, int o, float[] mu, float[] acc, int n) {
        int l = sp.length(), j = 0;
        for (; j <= n - l; j += l) {
            FloatVector dv = FloatVector.fromArray(sp, x, o + j).sub(FloatVector.fromArray(sp, mu, j));
            dv.fma(dv, FloatVector.fromArray(sp, acc, j)).intoArray(acc, j);
        }
        for (; j < n; j++) {
            float dv = x[o + j] - mu[j];
            acc[j] = Math.fma(dv, dv, acc[j]);
        }
    }

    /** y[yo + j] = x[xo + j]·scale[j] + shift[j]. */
    private static void affineRow(VectorSpecies<Float> sp, float[] x, int xo, float[] scale, float[] shift, float[] y, int yo, int n) {
        int l = sp.length(), j = 0;
        for (; j <= n - l; j += l) {
            FloatVector.fromArray(sp, x, xo + j).fma(FloatVector.fromArray(sp, scale, j), FloatVector.fromArray(sp, shift, j)).intoArray(y, yo + j);
        }
        for (; j < n; j++) y[yo + j] = Math.fma(x[xo + j], scale[j], shift[j]);
    }

    /** Eval-mode BatchNorm1d: y = x·a + c with a = w/√(runningVar + eps), c = b − runningMean·a. */
    public static void batchNormEval(SimdContext sc, Tensor y, Tensor x, Tensor runningMean, Tensor runningVar, Tensor w, Tensor b, double eps) {
        channels("batchNormEval", x, runningMean, runningVar, w, b);
        int n = x.dim(0), c = x.dim(1);
        float[] scale = new float[c], shift = new float[c];
        evalAffine(scale, shift, runningMean, runningVar, w, b, eps);
        float[] xa = x.f32(), ya = y.f32();
        int xo = x.offset(), yo = y.offset(), per = RowMath.rowsPerChunk(c);
        VectorSpecies<Float> sp = sc.species();
        sc.parallel().forEach(Parallel.chunks(n, per), ch -> {
            for (int i = ch * per, end = Math.min(n, i + per); i < end; i++) affineRow(sp, xa, xo + i * c, scale, shift, ya, yo + i * c, c);
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
        channels("batchNormBackward", x, dw, db, w, mean, rstd);
        int n = x.dim(0), c = x.dim(1);
        float[] xa = x.f32(), ga = dy.f32();
        int xo = x.offset(), go = dy.offset();
        VectorSpecies<Float> sp = sc.species();
        int l = sp.length();
        sc.parallel().forEach(channelBlocks(c), blk -> {
            int c0 = blk * CHANNEL_BLOCK, cw = Math.min(c, c0 + CHANNEL_BLOCK) - c0;
            float[] mu = new float[cw], rs = new float[cw], sg = new float[cw], sgh = new float[cw];
            System.arraycopy(mean.f32(), mean.offset() + c0, mu, 0, cw);
            System.arraycopy(rstd.f32(), rstd.offset() + c0, rs, 0, cw);
            for (int i = 0; i < n; i++) {
                int xr = xo + i * c + c0, gr = go + i * c + c0, j = 0;
                for (; j <= cw - l; j += l) {
                    FloatVector gv = FloatVector.fromArray(sp, ga, gr + j);
                    FloatVector h = FloatVector.fromArray(sp, xa, xr + j).sub(FloatVector.fromArray(sp, mu, j)).mul(FloatVector.fromArray(sp, rs, j));
                    gv.add(FloatVector.fromArray(sp, sg, j)).intoArray(sg, j);
                    gv.fma(h, FloatVector.fromArray(sp, sgh, j)).intoArray(sgh, j);
                }
                for (; j < cw; j++) {
                    float g = ga[gr + j], h = (xa[xr + j] - mu[j]) * rs[j];
                    sg[j] += g;
                    sgh[j] = Math.fma(g, h, sgh[j]);
                }
            }
            if (dw != null) RowMath.add(sp, sgh, 0, dw.f32(), dw.offset() + c0, cw);
            if (db != null) RowMath.add(sp, sg, 0, db.f32(), db.offset() + c0, cw);
            if (dx == null) return;
            // dx = k·dy + (k·(−mean dy) − k·x̂·mean(dy·x̂)) = k·dy − k·mg − h·k·mgh, with k = rstd·w
            float[] k = new float[cw], mg = new float[cw], mgh = new float[cw];
            for (int j = 0; j < cw; j++) {
                k[j] = rs[j] * (w == null ? 1f : w.f32()[w.offset() + c0 + j]);
                mg[j] = sg[j] / n;
                mgh[j] = sgh[j] / n;
            }
            float[] dxa = dx.f32();
            int dxo = dx.offset();
            for (int i = 0; i < n; i++) {
                int xr = xo + i * c + c0, gr = go + i * c + c0, dr = dxo + i * c + c0, j = 0;
                for (; j <= cw - l; j += l) {
                    FloatVector h = FloatVector.fromArray(sp, xa, xr + j).sub(FloatVector.fromArray(sp, mu, j)).mul(FloatVector.fromArray(sp, rs, j));
                    FloatVector t = FloatVector.fromArray(sp, ga, gr + j).sub(FloatVector.fromArray(sp, mg, j))
                            .sub(h.mul(FloatVector.fromArray(sp, mgh, j)));
                    t.fma(FloatVector.fromArray(sp, k, j), FloatVector.fromArray(sp, dxa, dr + j)).intoArray(dxa, dr + j);
                }
                for (; j < cw; j++) {
                    float h = (xa[xr + j] - mu[j]) * rs[j];
                    dxa[dr + j] = Math.fma(ga[gr + j] - mg[j] - h * mgh[j], k[j], dxa[dr + j]);
                }
            }
        });
    }

    /**
     * Eval-mode backward, s = 1/√(runningVar + eps): dx += dy·w·s, dw += Σ_N dy·(x − runningMean)·s,
     * db += Σ_N dy, per channel block.
     */
    public static void batchNormEvalBackward(SimdContext sc, Tensor dx, Tensor dw, Tensor db, Tensor dy, Tensor x, Tensor runningMean,
                                             Tensor runningVar, Tensor w, double eps) {
        channels("batchNormEvalBackward", x, dw, db, runningMean, runningVar, w);
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
        VectorSpecies<Float> sp = sc.species();
        int l = sp.length();
        sc.parallel().forEach(channelBlocks(c), blk -> {
            int c0 = blk * CHANNEL_BLOCK, cw = Math.min(c, c0 + CHANNEL_BLOCK) - c0;
            float[] sg = new float[cw], sgh = new float[cw];
            for (int i = 0; i < n; i++) {
                int xr = xo + i * c + c0, gr = go + i * c + c0, j = 0;
                for (; j <= cw - l; j += l) {
                    FloatVector gv = FloatVector.fromArray(sp, ga, gr + j);
                    FloatVector h = FloatVector.fromArray(sp, xa, xr + j).sub(FloatVector.fromArray(sp, rm, c0 + j));
                    gv.add(FloatVector.fromArray(sp, sg, j)).intoArray(sg, j);
                    gv.fma(h, FloatVector.fromArray(sp, sgh, j)).intoArray(sgh, j);
                    if (dx != null) {
                        int dr = dx.offset() + i * c + c0 + j;
                        gv.fma(FloatVector.fromArray(sp, ws, c0 + j), FloatVector.fromArray(sp, dx.f32(), dr)).intoArray(dx.f32(), dr);
                    }
                }
                for (; j < cw; j++) {
                    float g = ga[gr + j];
                    sg[j] += g;
                    sgh[j] = Math.fma(g, xa[xr + j] - rm[c0 + j], sgh[j]);
                    if (dx != null) {
                        int dr = dx.offset() + i * c + c0 + j;
                        dx.f32()[dr] = Math.fma(g, ws[c0 + j], dx.f32()[dr]);
                    }
                }
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
        rowsOf("l2Normalize", x, null, null, norm, null);
        int d = x.dim(-1), n = rows(x), per = RowMath.rowsPerChunk(d);
        float[] xa = x.f32(), ya = y.f32();
        int xo = x.offset(), yo = y.offset();
        VectorSpecies<Float> sp = sc.species();
        int l = sp.length();
        sc.parallel().forEach(Parallel.chunks(n, per), ch -> {
            for (int r = ch * per, end = Math.min(n, r + per); r < end; r++) {
                int xr = xo + r * d, yr = yo + r * d;
                double nr = Math.sqrt(RowMath.dot(sp, xa, xr, xa, xr, d));
                if (norm != null) norm.f32()[norm.offset() + r] = (float) nr;
                float den = (float) Math.max(nr, eps);
                int j = 0;
                for (; j <= d - l; j += l) FloatVector.fromArray(sp, xa, xr + j).div(den).intoArray(ya, yr + j);
                for (; j < d; j++) ya[yr + j] = xa[xr + j] / den;
            }
        });
    }

    /**
     * Where ‖x‖ ≥ eps: dx += (dy − y·(y·dy)) / ‖x‖; where the norm was clamped to eps:
     * dx += dy / eps.
     */
    public static void l2NormalizeBackward(SimdContext sc, Tensor dx, Tensor dy, Tensor x, Tensor y, Tensor norm, double eps) {
        if (dx == null) return;
        int d = y.dim(-1), n = rows(y), per = RowMath.rowsPerChunk(d);
        float[] ga = dy.f32(), ya = y.f32(), xa = dx.f32(), na = norm.f32();
        int go = dy.offset(), yo = y.offset(), xo = dx.offset(), no = norm.offset();
        VectorSpecies<Float> sp = sc.species();
        int l = sp.length();
        sc.parallel().forEach(Parallel.chunks(n, per), ch -> {
            for (int r = ch * per, end = Math.min(n, r + per); r < end; r++) {
                int gr = go + r * d, yr = yo + r * d, xr = xo + r * d;
                float nr = na[no + r];
                boolean through = nr >= eps && nr > 0;
                float dot = through ? RowMath.dot(sp, ya, yr, ga, gr, d) : 0f;
                float inv = (float) (1.0 / (through ? nr : eps));
                int j = 0;
                for (; j <= d - l; j += l) {
                    FloatVector t = FloatVector.fromArray(sp, ga, gr + j);
                    if (through) t = t.sub(FloatVector.fromArray(sp, ya, yr + j).mul(dot));
                    t.fma(t.broadcast(inv), FloatVector.fromArray(sp, xa, xr + j)).intoArray(xa, xr + j);
                }
                for (; j < d; j++) {
                    float t = through ? ga[gr + j] - ya[yr + j] * dot : ga[gr + j];
                    xa[xr + j] = Math.fma(t, inv, xa[xr + j]);
                }
            }
        });
    }
}
