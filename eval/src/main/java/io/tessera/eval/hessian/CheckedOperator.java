package io.tessera.eval.hessian;

// The guard every algorithm of this package puts around a caller's operator: it checks the
// dimension once, counts operator applications (Hessian-vector products) and rejects non-finite
// output, so no NaN reaches an eigenvalue, a trace or a density.

/** Counts applications of a {@link SymmetricOperator} and checks that each output is finite. */
final class CheckedOperator {
    private final SymmetricOperator op;
    private final String algorithm;
    private final int n;
    private long applications;

    CheckedOperator(SymmetricOperator op, String algorithm) {
        if (op == null) throw new IllegalArgumentException(algorithm + ": operator is null");
        int d = op.dimension();
        if (d < 1) throw new IllegalArgumentException(algorithm + ": operator dimension must be at least 1, got " + d);
        this.op = op;
        this.algorithm = algorithm;
        this.n = d;
    }

    int dimension() {
        return n;
    }

    long applications() {
        return applications;
    }

    /** out = H·v, then checks every entry of out. Not modified: v. Written: out. */
    void apply(double[] v, double[] out) {
        applications++;
        op.apply(v, out);
        for (int i = 0; i < n; i++) {
            if (!Double.isFinite(out[i])) {
                throw new NonFiniteOperatorException(algorithm, (int) Math.min(applications, Integer.MAX_VALUE), i, out[i]);
            }
        }
    }
}
