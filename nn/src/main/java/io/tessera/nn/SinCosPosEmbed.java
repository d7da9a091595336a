package io.tessera.nn;

/**
 * The fixed 2-D sine-cosine position embedding of MAE ({@code util/pos_embed.py}), computed in
 * double. With Q = E/4 and ω_d = 10000^(−d/Q), the row of the patch at grid row i, column j is
 * [sin(j·ω) | cos(j·ω) | sin(i·ω) | cos(i·ω)] (each block Q wide): the first half encodes the
 * column (x) index, the second half the row (y) index. The optional cls row 0 is all zeros.
 */
public final class SinCosPosEmbed {
    private SinCosPosEmbed() {
    }

    /**
     * The table (rows × E) row-major, rows = (cls ? 1 : 0) + gridH·gridW; patch token k = i·gridW + j
     * is row k (+1 with cls).
     */
    public static double[] table(int embedDim, int gridH, int gridW, boolean cls) {
        if (embedDim <= 0 || embedDim % 4 != 0) {
            throw new IllegalArgumentException("2-D sin-cos position embedding needs a width divisible by 4, got " + embedDim);
        }
        if (gridH <= 0 || gridW <= 0) throw new IllegalArgumentException("sin-cos grid must be positive, got " + gridH + "×" + gridW);
        int q = embedDim / 4, first = cls ? 1 : 0;
        double[] omega = new double[q];
        for (int d = 0; d < q; d++) omega[d] = 1.0 / Math.pow(10000.0, (double) d / q);
        double[] t = new double[(first + gridH * gridW) * embedDim];
        for (int i = 0; i < gridH; i++) {
            for (int j = 0; j < gridW; j++) {
                int row = (first + i * gridW + j) * embedDim;
                for (int d = 0; d < q; d++) {
                    t[row + d] = Math.sin(j * omega[d]);
                    t[row + q + d] = Math.cos(j * omega[d]);
                    t[row + 2 * q + d] = Math.sin(i * omega[d]);
                    t[row + 3 * q + d] = Math.cos(i * omega[d]);
                }
            }
        }
        return t;
    }
}
