package io.tessera.tensor.cpu.simd;

import java.lang.invoke.MethodHandles;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The per-row and per-channel-block loops of {@link SimdNorm} (softmax backward, LayerNorm,
 * BatchNorm, L2 normalisation), defined once per vector width by {@link WidthCopies} so that the
 * species S is a constant. Each loop has a scalar tail. Not used directly: only its per-width
 * copies run.
 */
final class NormLoops implements SimdNorm.Loops {
    private static final VectorSpecies<Float> S = WidthCopies.species(MethodHandles.lookup());

    NormLoops() {
    }

    @Override
    public void softmaxBackwardRow(float[] g, int gr, float[] y, int yr, float[] dx, int xr, int d, float dot) {
        int l = S.length(), j = 0;
        for (; j <= d - l; j += l) {
            FloatVector yv = FloatVector.fromArray(S, y, yr + j);
            FloatVector.fromArray(S, g, gr + j).sub(dot).fma(yv, FloatVector.fromArray(S, dx, xr + j)).intoArray(dx, xr + j);
        }
        for (; j < d; j++) dx[xr + j] = Math.fma(g[gr + j] - dot, y[yr + j], dx[xr + j]);
    }

    @Override
    public void layerNormRow(float[] x, int xr, float[] y, int yr, float[] w, int wo, float[] b, int bo, int d, float mu, float rs) {
        int l = S.length(), j = 0;
        for (; j <= d - l; j += l) {
            FloatVector h = FloatVector.fromArray(S, x, xr + j).sub(mu).mul(rs);
            if (w != null) h = h.mul(FloatVector.fromArray(S, w, wo + j));
            if (b != null) h = h.add(FloatVector.fromArray(S, b, bo + j));
            h.intoArray(y, yr + j);
        }
        for (; j < d; j++) {
            float h = (x[xr + j] - mu) * rs;
            if (w != null) h *= w[wo + j];
            if (b != null) h += b[bo + j];
            y[yr + j] = h;
        }
    }

    @Override
    public void layerNormGradSums(float[] g, int gr, float[] x, int xr, float[] w, int wo, float[] cw, int cwo, float[] cb, int cbo,
                                  int d, float mu, float rs, float[] sums) {
        int l = S.length(), j = 0;
        float s1 = 0f, s2 = 0f;
        if (d >= l) {
            FloatVector sg = FloatVector.zero(S), sgh = sg;
            for (; j <= d - l; j += l) {
                FloatVector gv = FloatVector.fromArray(S, g, gr + j);
                FloatVector h = FloatVector.fromArray(S, x, xr + j).sub(mu).mul(rs);
                if (cw != null) gv.fma(h, FloatVector.fromArray(S, cw, cwo + j)).intoArray(cw, cwo + j);
                if (cb != null) gv.add(FloatVector.fromArray(S, cb, cbo + j)).intoArray(cb, cbo + j);
                if (w != null) gv = gv.mul(FloatVector.fromArray(S, w, wo + j));
                sg = sg.add(gv);
                sgh = gv.fma(h, sgh);
            }
            float[] t = RowMath.lanes();
            sg.intoArray(t, 0);
            s1 = RowMath.sumLanes(t, l);
            sgh.intoArray(t, 0);
            s2 = RowMath.sumLanes(t, l);
        }
        for (; j < d; j++) {
            float gj = g[gr + j], h = (x[xr + j] - mu) * rs;
            if (cw != null) cw[cwo + j] = Math.fma(gj, h, cw[cwo + j]);
            if (cb != null) cb[cbo + j] += gj;
            if (w != null) gj *= w[wo + j];
            s1 += gj;
            s2 = Math.fma(gj, h, s2);
        }
        sums[0] = s1;
        sums[1] = s2;
    }

    @Override
    public void layerNormDx(float[] g, int gr, float[] x, int xr, float[] w, int wo, float[] dx, int dr, int d,
                            float mu, float rs, float mg, float mgh) {
        int l = S.length(), j = 0;
        for (; j <= d - l; j += l) {
            FloatVector gv = FloatVector.fromArray(S, g, gr + j);
            if (w != null) gv = gv.mul(FloatVector.fromArray(S, w, wo + j));
            FloatVector h = FloatVector.fromArray(S, x, xr + j).sub(mu).mul(rs);
            FloatVector t = gv.sub(mg).sub(h.mul(mgh));
            t.fma(t.broadcast(rs), FloatVector.fromArray(S, dx, dr + j)).intoArray(dx, dr + j);
        }
        for (; j < d; j++) {
            float gj = g[gr + j];
            if (w != null) gj *= w[wo + j];
            float h = (x[xr + j] - mu) * rs;
            dx[dr + j] = Math.fma(gj - mg - h * mgh, rs, dx[dr + j]);
        }
    }

    @Override
    public void squaredDeviation(float[] x, int o, float[] mu, float[] acc, int n) {
        int l = S.length(), j = 0;
        for (; j <= n - l; j += l) {
            FloatVector dv = FloatVector.fromArray(S, x, o + j).sub(FloatVector.fromArray(S, mu, j));
            dv.fma(dv, FloatVector.fromArray(S, acc, j)).intoArray(acc, j);
        }
        for (; j < n; j++) {
            float dv = x[o + j] - mu[j];
            acc[j] = Math.fma(dv, dv, acc[j]);
        }
    }

    @Override
    public void affineRow(float[] x, int xo, float[] scale, float[] shift, float[] y, int yo, int n) {
        int l = S.length(), j = 0;
        for (; j <= n - l; j += l) {
            FloatVector.fromArray(S, x, xo + j).fma(FloatVector.fromArray(S, scale, j), FloatVector.fromArray(S, shift, j)).intoArray(y, yo + j);
        }
        for (; j < n; j++) y[yo + j] = Math.fma(x[xo + j], scale[j], shift[j]);
    }

    @Override
    public void batchNormSums(float[] g, int gr, float[] x, int xr, float[] mu, float[] rs, float[] sg, float[] sgh, int cw) {
        int l = S.length(), j = 0;
        for (; j <= cw - l; j += l) {
            FloatVector gv = FloatVector.fromArray(S, g, gr + j);
            FloatVector h = FloatVector.fromArray(S, x, xr + j).sub(FloatVector.fromArray(S, mu, j)).mul(FloatVector.fromArray(S, rs, j));
            gv.add(FloatVector.fromArray(S, sg, j)).intoArray(sg, j);
            gv.fma(h, FloatVector.fromArray(S, sgh, j)).intoArray(sgh, j);
        }
        for (; j < cw; j++) {
            float gj = g[gr + j], h = (x[xr + j] - mu[j]) * rs[j];
            sg[j] += gj;
            sgh[j] = Math.fma(gj, h, sgh[j]);
        }
    }

    @Override
    public void batchNormDx(float[] g, int gr, float[] x, int xr, float[] mu, float[] rs, float[] mg, float[] mgh, float[] k,
                            float[] dx, int dr, int cw) {
        int l = S.length(), j = 0;
        for (; j <= cw - l; j += l) {
            FloatVector h = FloatVector.fromArray(S, x, xr + j).sub(FloatVector.fromArray(S, mu, j)).mul(FloatVector.fromArray(S, rs, j));
            FloatVector t = FloatVector.fromArray(S, g, gr + j).sub(FloatVector.fromArray(S, mg, j))
                    .sub(h.mul(FloatVector.fromArray(S, mgh, j)));
            t.fma(FloatVector.fromArray(S, k, j), FloatVector.fromArray(S, dx, dr + j)).intoArray(dx, dr + j);
        }
        for (; j < cw; j++) {
            float h = (x[xr + j] - mu[j]) * rs[j];
            dx[dr + j] = Math.fma(g[gr + j] - mg[j] - h * mgh[j], k[j], dx[dr + j]);
        }
    }

    @Override
    public void batchNormEvalRow(float[] g, int gr, float[] x, int xr, float[] rm, float[] ws, int c0, float[] sg, float[] sgh,
                                 float[] dx, int dr, int cw) {
        int l = S.length(), j = 0;
        for (; j <= cw - l; j += l) {
            FloatVector gv = FloatVector.fromArray(S, g, gr + j);
            FloatVector h = FloatVector.fromArray(S, x, xr + j).sub(FloatVector.fromArray(S, rm, c0 + j));
            gv.add(FloatVector.fromArray(S, sg, j)).intoArray(sg, j);
            gv.fma(h, FloatVector.fromArray(S, sgh, j)).intoArray(sgh, j);
            if (dx != null) gv.fma(FloatVector.fromArray(S, ws, c0 + j), FloatVector.fromArray(S, dx, dr + j)).intoArray(dx, dr + j);
        }
        for (; j < cw; j++) {
            float gj = g[gr + j];
            sg[j] += gj;
            sgh[j] = Math.fma(gj, x[xr + j] - rm[c0 + j], sgh[j]);
            if (dx != null) dx[dr + j] = Math.fma(gj, ws[c0 + j], dx[dr + j]);
        }
    }

    @Override
    public void divideRow(float[] x, int xr, float[] y, int yr, int d, float den) {
        int l = S.length(), j = 0;
        for (; j <= d - l; j += l) FloatVector.fromArray(S, x, xr + j).div(den).intoArray(y, yr + j);
        for (; j < d; j++) y[yr + j] = x[xr + j] / den;
    }

    @Override
    public void l2BackwardRow(float[] g, int gr, float[] y, int yr, float[] dx, int xr, int d, boolean through, float dot, float inv) {
        int l = S.length(), j = 0;
        for (; j <= d - l; j += l) {
            FloatVector t = FloatVector.fromArray(S, g, gr + j);
            if (through) t = t.sub(FloatVector.fromArray(S, y, yr + j).mul(dot));
            t.fma(t.broadcast(inv), FloatVector.fromArray(S, dx, xr + j)).intoArray(dx, xr + j);
        }
        for (; j < d; j++) {
            float t = through ? g[gr + j] - y[yr + j] * dot : g[gr + j];
            dx[xr + j] = Math.fma(t, inv, dx[xr + j]);
        }
    }
}
