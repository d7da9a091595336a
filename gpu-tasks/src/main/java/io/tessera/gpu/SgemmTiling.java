/*
 * The tile configuration of sgemm.kc: a work-group computes a TM x TN tile of C, staging
 * TK-deep slices of A and B in local memory; each work-item keeps an RM x RN block of C in
 * registers. These sizes shape the code, so they are -D defines and key the program cache.
 */
package io.tessera.gpu;

/**
 * Tiling of the SGEMM kernel.
 *
 * @param tm     rows of C per work-group
 * @param tn     columns of C per work-group
 * @param tk     depth of one staged slice of A and B
 * @param rm     rows of C per work-item (register block)
 * @param rn     columns of C per work-item
 * @param transA a is stored (K, M) instead of (M, K)
 * @param transB b is stored (N, K) instead of (K, N)
 */
public record SgemmTiling(int tm, int tn, int tk, int rm, int rn, boolean transA, boolean transB) {
    public SgemmTiling {
        if (tm < 1 || tn < 1 || tk < 1 || rm < 1 || rn < 1 || tm % rm != 0 || tn % rn != 0) {
            throw new IllegalArgumentException("sgemm tiling TM=" + tm + " TN=" + tn + " TK=" + tk + " RM=" + rm + " RN=" + rn
                    + ": expected positive sizes with RM dividing TM and RN dividing TN");
        }
    }

    /** 64 x 64 tiles, 16 deep, 4 x 4 per work-item (256 work-items per group). */
    public static SgemmTiling standard(boolean transA, boolean transB) {
        return new SgemmTiling(64, 64, 16, 4, 4, transA, transB);
    }

    /** 32 x 32 tiles, 8 deep, 4 x 2 per work-item (128 work-items per group): CPU devices, small matrices. */
    public static SgemmTiling small(boolean transA, boolean transB) {
        return new SgemmTiling(32, 32, 8, 4, 2, transA, transB);
    }

    /** The same tiling for other transposes. */
    public SgemmTiling transposed(boolean transA, boolean transB) {
        return new SgemmTiling(tm, tn, tk, rm, rn, transA, transB);
    }

    /** Work-items per group: (TN/RN) x (TM/RM). */
    public int groupSize() {
        return (tn / rn) * (tm / rm);
    }

    /** The -D defines of this variant. */
    public Defines defines() {
        return Defines.of("TM", tm).with("TN", tn).with("TK", tk).with("RM", rm).with("RN", rn)
                .with("TRANS_A", transA ? 1 : 0).with("TRANS_B", transB ? 1 : 0);
    }

    /**
     * The launch grid for C: (M, N) in {@code batch} matrices: groups (⌈N/TN⌉, ⌈M/TM⌉, batch)
     * of (TN/RN, TM/RM, 1) work-items.
     */
    public Grid grid(int m, int n, int batch) {
        return Grid.groups(new int[]{Grid.ceilDiv(n, tn), Grid.ceilDiv(m, tm), batch}, new int[]{tn / rn, tm / rm, 1});
    }
}
