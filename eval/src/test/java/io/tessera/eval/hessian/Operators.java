package io.tessera.eval.hessian;

// Test fixture: misbehaving operators for the bad-input tests.

/** Operators that are empty or return NaN. */
final class Operators {
    private Operators() {
    }

    static SymmetricOperator zeroDimensional() {
        return new SymmetricOperator() {
            @Override
            public int dimension() {
                return 0;
            }

            @Override
            public void apply(double[] v, double[] out) {
            }
        };
    }

    /** The identity on R^n that writes NaN into entry 2 from application good+1 on. */
    static SymmetricOperator nanAfter(int good, int n) {
        return new SymmetricOperator() {
            int calls;

            @Override
            public int dimension() {
                return n;
            }

            @Override
            public void apply(double[] v, double[] out) {
                System.arraycopy(v, 0, out, 0, n);
                if (++calls > good) out[2] = Double.NaN;
            }
        };
    }
}
