package io.tessera.tensor.cpu.simd;

import io.tessera.tensor.Shape;

/**
 * How an operand broadcasts to a larger shape when its broadcast axes form one contiguous run:
 * the larger shape is viewed as (P, R, Q) and the operand as (P, Q), repeated along R. This
 * covers same shapes (R = 1), biases (…, D) + (D) (P = 1), per-row values (N, 1) (Q = 1),
 * scalars and middle broadcasts (B, 1, D). Shapes with two or more separate broadcast runs
 * are not described ({@link #of} returns null) and take the kernels' general paths.
 */
record ElementwiseBroadcast(int p, int r, int q) {

    /** The (P, R, Q) view of {@code small} broadcast to {@code big}, or null if it needs two runs. */
    static ElementwiseBroadcast of(Shape big, Shape small) {
        int rank = big.rank(), off = rank - small.rank();
        if (off < 0) throw new IllegalArgumentException("shape " + small + " does not broadcast to " + big);
        int first = -1, last = -1;
        boolean closed = false;
        for (int i = 0; i < rank; i++) {
            int bd = big.dim(i), sd = i < off ? 1 : small.dim(i - off);
            if (sd == bd) {
                if (first >= 0 && bd != 1) closed = true;
                continue;
            }
            if (sd != 1) throw new IllegalArgumentException("shape " + small + " does not broadcast to " + big);
            if (closed) return null;
            if (first < 0) first = i;
            last = i;
        }
        if (first < 0) return new ElementwiseBroadcast(big.size(), 1, 1);
        int p = 1, r = 1, q = 1;
        for (int i = 0; i < first; i++) p *= big.dim(i);
        for (int i = first; i <= last; i++) r *= big.dim(i);
        for (int i = last + 1; i < rank; i++) q *= big.dim(i);
        return new ElementwiseBroadcast(p, r, q);
    }

    /** True when the operand has the larger shape's size (no repetition). */
    boolean full() {
        return r == 1;
    }

    /** True when the operand is read contiguously along a run; false when it is constant along one. */
    boolean contiguous() {
        return r == 1 || q > 1;
    }

    /** Length of the runs along which the operand is contiguous (or constant), for a larger size n. */
    int run(int n) {
        return r == 1 ? Math.max(n, 1) : (q > 1 ? q : r);
    }

    /** The operand's flat index for flat index f of the larger shape. */
    int index(int f) {
        return r == 1 ? f : (f / (r * q)) * q + f % q;
    }
}
