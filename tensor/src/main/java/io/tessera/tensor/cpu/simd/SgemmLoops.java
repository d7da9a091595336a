package io.tessera.tensor.cpu.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.invoke.MethodHandles;

/**
 * The micro-kernel of {@link SimdGemm}, written once and defined per vector width by
 * {@link WidthCopies} so that its species is a {@code static final} constant (the form C2
 * compiles to vector instructions). One MR × NR tile of C (6 rows × 2 vectors) with the 12
 * accumulators in locals over the depth kc, from packed slivers (A packed or transposed in
 * place) or through strides; edge tiles go through a small buffer. Not a GEMM by itself.
 */
final class SgemmLoops implements SgemmTiles {
    private static final VectorSpecies<Float> S = WidthCopies.species(MethodHandles.lookup());

    /** Instantiated by {@link WidthCopies} only, once per width. */
    public SgemmLoops() {
    }

    /**
     * The whole-tile case of {@link #tileStrided} with B packed (bs = NR) and each depth's MR
     * rows of A consecutive (rs = 1), A's depth stride {@code ps} being MR for a packed A or
     * {@code lda} for a transposed A read in place:
     * c[ci + r·ldc + j] = alpha · Σ_p a[ai + p·ps + r] · bp[bi + p·NR + j] + beta · c[...].
     * With the six rows at constant offsets of one index C2 merges their bounds checks, and the
     * edge tiles' profile (they share tileStrided) does not shape this code: the attention
     * weight gradient pᵀ·dO (197 × 197 transposed, 1 thread) read 69 GFLOPS through
     * tileStrided after the bench's warm-up and 124 through this. Same order of operations as
     * tileStrided, so the same bits.
     */
    @Override
    public void tile(int kc, float[] ap, int ai, int ps, float[] bp, int bi,
                     float[] c, int ci, int ldc, float alpha, float beta) {
        int l = S.length();
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++, ai += ps, bi += 2 * l) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + l);
            FloatVector a = FloatVector.broadcast(S, ap[ai]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = a.fma(b0, c40);
            c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = a.fma(b0, c50);
            c51 = a.fma(b1, c51);
        }
        if (beta == 0f) {
            c00.mul(alpha).intoArray(c, ci);
            c01.mul(alpha).intoArray(c, ci + l);
            c10.mul(alpha).intoArray(c, ci + ldc);
            c11.mul(alpha).intoArray(c, ci + ldc + l);
            c20.mul(alpha).intoArray(c, ci + 2 * ldc);
            c21.mul(alpha).intoArray(c, ci + 2 * ldc + l);
            c30.mul(alpha).intoArray(c, ci + 3 * ldc);
            c31.mul(alpha).intoArray(c, ci + 3 * ldc + l);
            c40.mul(alpha).intoArray(c, ci + 4 * ldc);
            c41.mul(alpha).intoArray(c, ci + 4 * ldc + l);
            c50.mul(alpha).intoArray(c, ci + 5 * ldc);
            c51.mul(alpha).intoArray(c, ci + 5 * ldc + l);
        } else {
            FloatVector va = FloatVector.broadcast(S, alpha), vb = FloatVector.broadcast(S, beta);
            c00.fma(va, FloatVector.fromArray(S, c, ci).mul(vb)).intoArray(c, ci);
            c01.fma(va, FloatVector.fromArray(S, c, ci + l).mul(vb)).intoArray(c, ci + l);
            c10.fma(va, FloatVector.fromArray(S, c, ci + ldc).mul(vb)).intoArray(c, ci + ldc);
            c11.fma(va, FloatVector.fromArray(S, c, ci + ldc + l).mul(vb)).intoArray(c, ci + ldc + l);
            c20.fma(va, FloatVector.fromArray(S, c, ci + 2 * ldc).mul(vb)).intoArray(c, ci + 2 * ldc);
            c21.fma(va, FloatVector.fromArray(S, c, ci + 2 * ldc + l).mul(vb)).intoArray(c, ci + 2 * ldc + l);
            c30.fma(va, FloatVector.fromArray(S, c, ci + 3 * ldc).mul(vb)).intoArray(c, ci + 3 * ldc);
            c31.fma(va, FloatVector.fromArray(S, c, ci + 3 * ldc + l).mul(vb)).intoArray(c, ci + 3 * ldc + l);
            c40.fma(va, FloatVector.fromArray(S, c, ci + 4 * ldc).mul(vb)).intoArray(c, ci + 4 * ldc);
            c41.fma(va, FloatVector.fromArray(S, c, ci + 4 * ldc + l).mul(vb)).intoArray(c, ci + 4 * ldc + l);
            c50.fma(va, FloatVector.fromArray(S, c, ci + 5 * ldc).mul(vb)).intoArray(c, ci + 5 * ldc);
            c51.fma(va, FloatVector.fromArray(S, c, ci + 5 * ldc + l).mul(vb)).intoArray(c, ci + 5 * ldc + l);
        }
    }

    /**
     * c[ci + r·ldc + j] = alpha · Σ_p a[ai + r·rs + p·ps] · b[bi + p·bs + j] + beta · c[...]
     * for r < MR, j < NR; with beta = 0, c is not read. Rows r ≥ {@code rows} read row
     * {@code rows − 1} instead (their results are discarded by {@link #edge}).
     */
    @Override
    public void tileStrided(int kc, float[] a, int ai, int rs, int ps, int rows, float[] b, int bi,
                     int bs, float[] c, int ci, int ldc, float alpha, float beta) {
        int l = S.length();
        int a0 = ai, a1 = ai + Math.min(1, rows - 1) * rs, a2 = ai + Math.min(2, rows - 1) * rs;
        int a3 = ai + Math.min(3, rows - 1) * rs, a4 = ai + Math.min(4, rows - 1) * rs;
        int a5 = ai + Math.min(5, rows - 1) * rs;
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        for (int p = 0, q = 0; p < kc; p++, q += ps, bi += bs) {
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + l);
            FloatVector v = FloatVector.broadcast(S, a[a0 + q]);
            c00 = v.fma(b0, c00);
            c01 = v.fma(b1, c01);
            v = FloatVector.broadcast(S, a[a1 + q]);
            c10 = v.fma(b0, c10);
            c11 = v.fma(b1, c11);
            v = FloatVector.broadcast(S, a[a2 + q]);
            c20 = v.fma(b0, c20);
            c21 = v.fma(b1, c21);
            v = FloatVector.broadcast(S, a[a3 + q]);
            c30 = v.fma(b0, c30);
            c31 = v.fma(b1, c31);
            v = FloatVector.broadcast(S, a[a4 + q]);
            c40 = v.fma(b0, c40);
            c41 = v.fma(b1, c41);
            v = FloatVector.broadcast(S, a[a5 + q]);
            c50 = v.fma(b0, c50);
            c51 = v.fma(b1, c51);
        }
        if (beta == 0f) {
            c00.mul(alpha).intoArray(c, ci);
            c01.mul(alpha).intoArray(c, ci + l);
            c10.mul(alpha).intoArray(c, ci + ldc);
            c11.mul(alpha).intoArray(c, ci + ldc + l);
            c20.mul(alpha).intoArray(c, ci + 2 * ldc);
            c21.mul(alpha).intoArray(c, ci + 2 * ldc + l);
            c30.mul(alpha).intoArray(c, ci + 3 * ldc);
            c31.mul(alpha).intoArray(c, ci + 3 * ldc + l);
            c40.mul(alpha).intoArray(c, ci + 4 * ldc);
            c41.mul(alpha).intoArray(c, ci + 4 * ldc + l);
            c50.mul(alpha).intoArray(c, ci + 5 * ldc);
            c51.mul(alpha).intoArray(c, ci + 5 * ldc + l);
        } else {
            FloatVector va = FloatVector.broadcast(S, alpha), vb = FloatVector.broadcast(S, beta);
            c00.fma(va, FloatVector.fromArray(S, c, ci).mul(vb)).intoArray(c, ci);
            c01.fma(va, FloatVector.fromArray(S, c, ci + l).mul(vb)).intoArray(c, ci + l);
            c10.fma(va, FloatVector.fromArray(S, c, ci + ldc).mul(vb)).intoArray(c, ci + ldc);
            c11.fma(va, FloatVector.fromArray(S, c, ci + ldc + l).mul(vb)).intoArray(c, ci + ldc + l);
            c20.fma(va, FloatVector.fromArray(S, c, ci + 2 * ldc).mul(vb)).intoArray(c, ci + 2 * ldc);
            c21.fma(va, FloatVector.fromArray(S, c, ci + 2 * ldc + l).mul(vb)).intoArray(c, ci + 2 * ldc + l);
            c30.fma(va, FloatVector.fromArray(S, c, ci + 3 * ldc).mul(vb)).intoArray(c, ci + 3 * ldc);
            c31.fma(va, FloatVector.fromArray(S, c, ci + 3 * ldc + l).mul(vb)).intoArray(c, ci + 3 * ldc + l);
            c40.fma(va, FloatVector.fromArray(S, c, ci + 4 * ldc).mul(vb)).intoArray(c, ci + 4 * ldc);
            c41.fma(va, FloatVector.fromArray(S, c, ci + 4 * ldc + l).mul(vb)).intoArray(c, ci + 4 * ldc + l);
            c50.fma(va, FloatVector.fromArray(S, c, ci + 5 * ldc).mul(vb)).intoArray(c, ci + 5 * ldc);
            c51.fma(va, FloatVector.fromArray(S, c, ci + 5 * ldc + l).mul(vb)).intoArray(c, ci + 5 * ldc + l);
        }
    }

    /**
     * An edge tile of {@code rows} × {@code cols} (≤ MR × NR): the tile is computed into
     * {@code tmp} (MR·NR floats), one vector wide when {@code cols} ≤ lanes, and merged with the
     * whole tile's formula element by element (so with its bits). Kept small on purpose: a
     * method too large for C1 runs interpreted whenever a shape deoptimises its C2 code.
     */
    @Override
    public void edge(int kc, float[] a, int ai, int rs, int ps, float[] b, int bi, int bs,
                     float[] c, int ci, int ldc, int rows, int cols, float alpha, float beta, float[] tmp) {
        int nr = VN * S.length();
        if (cols <= S.length()) narrow(kc, a, ai, rs, ps, rows, b, bi, bs, tmp, nr);
        else tileStrided(kc, a, ai, rs, ps, rows, b, bi, bs, tmp, 0, nr, 1f, 0f);
        for (int r = 0; r < rows; r++) {
            int cr = ci + r * ldc, tr = r * nr;
            if (beta == 0f) {
                for (int j = 0; j < cols; j++) c[cr + j] = tmp[tr + j] * alpha;
            } else {
                for (int j = 0; j < cols; j++) c[cr + j] = Math.fma(tmp[tr + j], alpha, c[cr + j] * beta);
            }
        }
    }

    /**
     * The first vector of each row of a tile, unscaled, into t[r·ld + j] for r < MR, j < lanes:
     * half the work of a whole tile when a ragged sliver fits one vector. Rows past
     * {@code rows} read row {@code rows − 1}.
     */
    private static void narrow(int kc, float[] a, int ai, int rs, int ps, int rows, float[] b, int bi, int bs,
                               float[] t, int ld) {
        int a0 = ai, a1 = ai + Math.min(1, rows - 1) * rs, a2 = ai + Math.min(2, rows - 1) * rs;
        int a3 = ai + Math.min(3, rows - 1) * rs, a4 = ai + Math.min(4, rows - 1) * rs;
        int a5 = ai + Math.min(5, rows - 1) * rs;
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S), c2 = FloatVector.zero(S);
        FloatVector c3 = FloatVector.zero(S), c4 = FloatVector.zero(S), c5 = FloatVector.zero(S);
        for (int p = 0, q = 0; p < kc; p++, q += ps, bi += bs) {
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            c0 = FloatVector.broadcast(S, a[a0 + q]).fma(b0, c0);
            c1 = FloatVector.broadcast(S, a[a1 + q]).fma(b0, c1);
            c2 = FloatVector.broadcast(S, a[a2 + q]).fma(b0, c2);
            c3 = FloatVector.broadcast(S, a[a3 + q]).fma(b0, c3);
            c4 = FloatVector.broadcast(S, a[a4 + q]).fma(b0, c4);
            c5 = FloatVector.broadcast(S, a[a5 + q]).fma(b0, c5);
        }
        c0.intoArray(t, 0);
        c1.intoArray(t, ld);
        c2.intoArray(t, 2 * ld);
        c3.intoArray(t, 3 * ld);
        c4.intoArray(t, 4 * ld);
        c5.intoArray(t, 5 * ld);
    }
}
