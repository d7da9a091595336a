package io.tessera.tensor.cpu.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-blocked micro-kernel of {@link SimdGemm}: one MR × NR tile of C (MR = 6 rows,
 * NR = 2 vectors) from a packed A sliver and a packed B sliver, with the 12 accumulators held
 * in locals over the whole depth kc, then c = alpha·acc + beta·c on store. Edge tiles go
 * through a small buffer and a scalar merge. Not a GEMM by itself: see {@link SimdGemm}.
 */
final class SgemmKernel {
    /** Rows per tile. */
    static final int MR = 6;
    /** Vectors per tile row (NR = VN · lanes). */
    static final int VN = 2;

    private SgemmKernel() {
    }

    /**
     * c[ci + r·ldc + j] = alpha · Σ_p ap[ai + p·MR + r] · bp[bi + p·NR + j] + beta · c[...]
     * for r < MR, j < NR; with beta = 0, c is not read.
     */
    static void tile(VectorSpecies<Float> s, int kc, float[] ap, int ai, float[] bp, int bi,
                     float[] c, int ci, int ldc, float alpha, float beta) {
        int l = s.length();
        FloatVector c00 = FloatVector.zero(s), c01 = FloatVector.zero(s);
        FloatVector c10 = FloatVector.zero(s), c11 = FloatVector.zero(s);
        FloatVector c20 = FloatVector.zero(s), c21 = FloatVector.zero(s);
        FloatVector c30 = FloatVector.zero(s), c31 = FloatVector.zero(s);
        FloatVector c40 = FloatVector.zero(s), c41 = FloatVector.zero(s);
        FloatVector c50 = FloatVector.zero(s), c51 = FloatVector.zero(s);
        for (int p = 0; p < kc; p++, ai += MR, bi += 2 * l) {
            FloatVector b0 = FloatVector.fromArray(s, bp, bi);
            FloatVector b1 = FloatVector.fromArray(s, bp, bi + l);
            FloatVector a = FloatVector.broadcast(s, ap[ai]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(s, ap[ai + 1]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(s, ap[ai + 2]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(s, ap[ai + 3]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(s, ap[ai + 4]);
            c40 = a.fma(b0, c40);
            c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(s, ap[ai + 5]);
            c50 = a.fma(b0, c50);
            c51 = a.fma(b1, c51);
        }
        store(s, c00, c01, c, ci, l, alpha, beta);
        store(s, c10, c11, c, ci + ldc, l, alpha, beta);
        store(s, c20, c21, c, ci + 2 * ldc, l, alpha, beta);
        store(s, c30, c31, c, ci + 3 * ldc, l, alpha, beta);
        store(s, c40, c41, c, ci + 4 * ldc, l, alpha, beta);
        store(s, c50, c51, c, ci + 5 * ldc, l, alpha, beta);
    }

    private static void store(VectorSpecies<Float> s, FloatVector v0, FloatVector v1, float[] c, int ci, int l,
                              float alpha, float beta) {
        if (beta == 0f) {
            v0.mul(alpha).intoArray(c, ci);
            v1.mul(alpha).intoArray(c, ci + l);
        } else {
            FloatVector a = FloatVector.broadcast(s, alpha);
            v0.fma(a, FloatVector.fromArray(s, c, ci).mul(beta)).intoArray(c, ci);
            v1.fma(a, FloatVector.fromArray(s, c, ci + l).mul(beta)).intoArray(c, ci + l);
        }
    }

    /**
     * An edge tile of {@code rows} × {@code cols} (≤ MR × NR): the full tile is computed into
     * {@code tmp} (MR·NR floats) and merged with the same formula, element by element.
     */
    static void edge(VectorSpecies<Float> s, int kc, float[] ap, int ai, float[] bp, int bi,
                     float[] c, int ci, int ldc, int rows, int cols, float alpha, float beta, float[] tmp) {
        int nr = VN * s.length();
        tile(s, kc, ap, ai, bp, bi, tmp, 0, nr, 1f, 0f);
        for (int r = 0; r < rows; r++) {
            int cr = ci + r * ldc, tr = r * nr;
            if (beta == 0f) {
                for (int j = 0; j < cols; j++) c[cr + j] = tmp[tr + j] * alpha;
            } else {
                for (int j = 0; j < cols; j++) c[cr + j] = Math.fma(tmp[tr + j], alpha, c[cr + j] * beta);
            }
        }
    }
}
