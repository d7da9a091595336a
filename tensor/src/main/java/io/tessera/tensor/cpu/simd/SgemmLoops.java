package io.tessera.tensor.cpu.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

import java.lang.invoke.MethodHandles;

/**
 * The micro-kernel of {@link SimdGemm}, written once and defined per vector width by
 * {@link WidthCopies} so that its species is a {@code static final} constant (the form C2
 * compiles to vector instructions). One MR × NR tile of C (6 rows × 2 vectors) with the 12
 * accumulators in locals over the depth kc, from packed slivers or through strides; edge tiles
 * are stored with lane masks. Not a GEMM by itself.
 */
final class SgemmLoops implements SgemmTiles {
    private static final VectorSpecies<Float> S = WidthCopies.species(MethodHandles.lookup());

    /** Instantiated by {@link WidthCopies} only, once per width. */
    public SgemmLoops() {
    }

    /**
     * The packed case of {@link #tileStrided} (rs = 1, ps = MR, bs = NR), with constant
     * strides so that C2 folds the address arithmetic:
     * c[ci + r·ldc + j] = alpha · Σ_p ap[ai + p·MR + r] · bp[bi + p·NR + j] + beta · c[...].
     */
    @Override
    public void tile(int kc, float[] ap, int ai, float[] bp, int bi,
                     float[] c, int ci, int ldc, float alpha, float beta) {
        int l = S.length();
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++, ai += MR, bi += 2 * l) {
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
     * An edge tile of {@code rows} × {@code cols} (≤ MR × NR), written straight into C with lane
     * masks, with the same formula (and so the same bits) as a whole tile: one vector per row
     * when {@code cols} ≤ lanes, two otherwise. B is read unmasked: a ragged sliver is always
     * packed, zero-padded to NR.
     */
    @Override
    public void edge(int kc, float[] a, int ai, int rs, int ps, float[] b, int bi, int bs,
                     float[] c, int ci, int ldc, int rows, int cols, float alpha, float beta) {
        int l = S.length();
        if (cols <= l) {
            narrow(kc, a, ai, rs, ps, rows, b, bi, bs, c, ci, ldc, cols, alpha, beta);
            return;
        }
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
        // Rows past `rows` are stored under empty masks rather than skipped by branches: a
        // branch a shape has never taken compiles to a trap, and the deoptimised method (too large
        // for C1) would run interpreted until C2 compiles it again. Stores are written out because a
        // helper taking vectors is a call C2 may not inline, which boxes them.
        if (beta == 0f) {
            c00.mul(alpha).intoArray(c, ci, S.indexInRange(0, rowLimit(rows, 0, l)));
            c01.mul(alpha).intoArray(c, ci + l, S.indexInRange(l, rowLimit(rows, 0, cols)));
            c10.mul(alpha).intoArray(c, ci + ldc, S.indexInRange(0, rowLimit(rows, 1, l)));
            c11.mul(alpha).intoArray(c, ci + ldc + l, S.indexInRange(l, rowLimit(rows, 1, cols)));
            c20.mul(alpha).intoArray(c, ci + 2 * ldc, S.indexInRange(0, rowLimit(rows, 2, l)));
            c21.mul(alpha).intoArray(c, ci + 2 * ldc + l, S.indexInRange(l, rowLimit(rows, 2, cols)));
            c30.mul(alpha).intoArray(c, ci + 3 * ldc, S.indexInRange(0, rowLimit(rows, 3, l)));
            c31.mul(alpha).intoArray(c, ci + 3 * ldc + l, S.indexInRange(l, rowLimit(rows, 3, cols)));
            c40.mul(alpha).intoArray(c, ci + 4 * ldc, S.indexInRange(0, rowLimit(rows, 4, l)));
            c41.mul(alpha).intoArray(c, ci + 4 * ldc + l, S.indexInRange(l, rowLimit(rows, 4, cols)));
            c50.mul(alpha).intoArray(c, ci + 5 * ldc, S.indexInRange(0, rowLimit(rows, 5, l)));
            c51.mul(alpha).intoArray(c, ci + 5 * ldc + l, S.indexInRange(l, rowLimit(rows, 5, cols)));
        } else {
            FloatVector va = FloatVector.broadcast(S, alpha), vb = FloatVector.broadcast(S, beta);
            VectorMask<Float> m00 = S.indexInRange(0, rowLimit(rows, 0, l));
            VectorMask<Float> m01 = S.indexInRange(l, rowLimit(rows, 0, cols));
            c00.fma(va, FloatVector.fromArray(S, c, ci, m00).mul(vb)).intoArray(c, ci, m00);
            c01.fma(va, FloatVector.fromArray(S, c, ci + l, m01).mul(vb)).intoArray(c, ci + l, m01);
            VectorMask<Float> m10 = S.indexInRange(0, rowLimit(rows, 1, l));
            VectorMask<Float> m11 = S.indexInRange(l, rowLimit(rows, 1, cols));
            c10.fma(va, FloatVector.fromArray(S, c, ci + ldc, m10).mul(vb)).intoArray(c, ci + ldc, m10);
            c11.fma(va, FloatVector.fromArray(S, c, ci + ldc + l, m11).mul(vb)).intoArray(c, ci + ldc + l, m11);
            VectorMask<Float> m20 = S.indexInRange(0, rowLimit(rows, 2, l));
            VectorMask<Float> m21 = S.indexInRange(l, rowLimit(rows, 2, cols));
            c20.fma(va, FloatVector.fromArray(S, c, ci + 2 * ldc, m20).mul(vb)).intoArray(c, ci + 2 * ldc, m20);
            c21.fma(va, FloatVector.fromArray(S, c, ci + 2 * ldc + l, m21).mul(vb)).intoArray(c, ci + 2 * ldc + l, m21);
            VectorMask<Float> m30 = S.indexInRange(0, rowLimit(rows, 3, l));
            VectorMask<Float> m31 = S.indexInRange(l, rowLimit(rows, 3, cols));
            c30.fma(va, FloatVector.fromArray(S, c, ci + 3 * ldc, m30).mul(vb)).intoArray(c, ci + 3 * ldc, m30);
            c31.fma(va, FloatVector.fromArray(S, c, ci + 3 * ldc + l, m31).mul(vb)).intoArray(c, ci + 3 * ldc + l, m31);
            VectorMask<Float> m40 = S.indexInRange(0, rowLimit(rows, 4, l));
            VectorMask<Float> m41 = S.indexInRange(l, rowLimit(rows, 4, cols));
            c40.fma(va, FloatVector.fromArray(S, c, ci + 4 * ldc, m40).mul(vb)).intoArray(c, ci + 4 * ldc, m40);
            c41.fma(va, FloatVector.fromArray(S, c, ci + 4 * ldc + l, m41).mul(vb)).intoArray(c, ci + 4 * ldc + l, m41);
            VectorMask<Float> m50 = S.indexInRange(0, rowLimit(rows, 5, l));
            VectorMask<Float> m51 = S.indexInRange(l, rowLimit(rows, 5, cols));
            c50.fma(va, FloatVector.fromArray(S, c, ci + 5 * ldc, m50).mul(vb)).intoArray(c, ci + 5 * ldc, m50);
            c51.fma(va, FloatVector.fromArray(S, c, ci + 5 * ldc + l, m51).mul(vb)).intoArray(c, ci + 5 * ldc + l, m51);
        }
    }

    /** {@code limit} for row r of a tile with {@code rows} rows, 0 past them: branch-free. */
    private static int rowLimit(int rows, int r, int limit) {
        return Math.min(limit, Math.max(0, rows - r) * limit);
    }

    /** An edge tile at most one vector wide: MR accumulators, half the work of a whole tile. */
    private static void narrow(int kc, float[] a, int ai, int rs, int ps, int rows, float[] b, int bi, int bs,
                               float[] c, int ci, int ldc, int cols, float alpha, float beta) {
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
        if (beta == 0f) {
            c0.mul(alpha).intoArray(c, ci, S.indexInRange(0, rowLimit(rows, 0, cols)));
            c1.mul(alpha).intoArray(c, ci + ldc, S.indexInRange(0, rowLimit(rows, 1, cols)));
            c2.mul(alpha).intoArray(c, ci + 2 * ldc, S.indexInRange(0, rowLimit(rows, 2, cols)));
            c3.mul(alpha).intoArray(c, ci + 3 * ldc, S.indexInRange(0, rowLimit(rows, 3, cols)));
            c4.mul(alpha).intoArray(c, ci + 4 * ldc, S.indexInRange(0, rowLimit(rows, 4, cols)));
            c5.mul(alpha).intoArray(c, ci + 5 * ldc, S.indexInRange(0, rowLimit(rows, 5, cols)));
        } else {
            FloatVector va = FloatVector.broadcast(S, alpha), vb = FloatVector.broadcast(S, beta);
            VectorMask<Float> m0 = S.indexInRange(0, rowLimit(rows, 0, cols));
            c0.fma(va, FloatVector.fromArray(S, c, ci, m0).mul(vb)).intoArray(c, ci, m0);
            VectorMask<Float> m1 = S.indexInRange(0, rowLimit(rows, 1, cols));
            c1.fma(va, FloatVector.fromArray(S, c, ci + ldc, m1).mul(vb)).intoArray(c, ci + ldc, m1);
            VectorMask<Float> m2 = S.indexInRange(0, rowLimit(rows, 2, cols));
            c2.fma(va, FloatVector.fromArray(S, c, ci + 2 * ldc, m2).mul(vb)).intoArray(c, ci + 2 * ldc, m2);
            VectorMask<Float> m3 = S.indexInRange(0, rowLimit(rows, 3, cols));
            c3.fma(va, FloatVector.fromArray(S, c, ci + 3 * ldc, m3).mul(vb)).intoArray(c, ci + 3 * ldc, m3);
            VectorMask<Float> m4 = S.indexInRange(0, rowLimit(rows, 4, cols));
            c4.fma(va, FloatVector.fromArray(S, c, ci + 4 * ldc, m4).mul(vb)).intoArray(c, ci + 4 * ldc, m4);
            VectorMask<Float> m5 = S.indexInRange(0, rowLimit(rows, 5, cols));
            c5.fma(va, FloatVector.fromArray(S, c, ci + 5 * ldc, m5).mul(vb)).intoArray(c, ci + 5 * ldc, m5);
        }
    }
}
