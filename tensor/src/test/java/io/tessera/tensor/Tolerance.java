package io.tessera.tensor;

/**
 * The one elementwise tolerance of the parity tests: |got − want| ≤ atol + rtol·|want| at every
 * index, equal values (infinities included) and NaN against NaN passing. Failures name the
 * case, the first bad index, both values and the tolerance there. Published in the tensor
 * test-jar for the GPU tests.
 */
public final class Tolerance {
    private Tolerance() {
    }

    /** Asserts got ≈ want elementwise (float results against a double reference). */
    public static void assertClose(String what, float[] got, double[] want, double atol, double rtol) {
        double[] g = new double[got.length];
        for (int i = 0; i < g.length; i++) g[i] = got[i];
        assertClose(what, g, want, atol, rtol);
    }

    /** Asserts got ≈ want elementwise (float results against float results). */
    public static void assertClose(String what, float[] got, float[] want, double atol, double rtol) {
        double[] w = new double[want.length];
        for (int i = 0; i < w.length; i++) w[i] = want[i];
        assertClose(what, got, w, atol, rtol);
    }

    /** Asserts got ≈ want elementwise. */
    public static void assertClose(String what, double[] got, double[] want, double atol, double rtol) {
        if (got.length != want.length) throw new AssertionError(what + ": " + got.length + " values, expected " + want.length);
        for (int i = 0; i < want.length; i++) {
            double a = got[i], e = want[i], tol = atol + rtol * Math.abs(e);
            if (a == e || (Double.isNaN(a) && Double.isNaN(e))) continue;
            if (!(Math.abs(a - e) <= tol)) {
                throw new AssertionError(String.format("%s: element %d is %.9g, expected %.9g ± %.3g (atol %.1g, rtol %.1g)",
                        what, i, a, e, tol, atol, rtol));
            }
        }
    }
}
