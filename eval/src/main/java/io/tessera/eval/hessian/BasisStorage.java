package io.tessera.eval.hessian;

// How a Lanczos run keeps its basis vectors. With n ≈ 6·10⁶ parameters and m ≈ 100 steps the
// basis is the largest allocation of a Hessian analysis, so float halves it; all arithmetic
// (dot products, updates, the tridiagonal matrix) stays in double either way.

/** Element type of the stored Lanczos basis vectors. */
public enum BasisStorage {
    /**
     * 4 bytes an entry; entries are rounded to float when a vector joins the basis, so Ritz values
     * carry relative errors of order 1e-7 (float's unit roundoff), far below the noise of a
     * mini-batch Hessian.
     */
    FLOAT(4),
    /** 8 bytes an entry; exact. */
    DOUBLE(8);

    private final int bytes;

    BasisStorage(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per stored entry: 4 or 8. */
    public int bytesPerEntry() {
        return bytes;
    }
}
