package io.tessera.eval.hessian;

// Dense vector arithmetic on flat double[] and float[] (the parameter-store layout): dot
// products, AXPY, norms. Every sum is accumulated in double in index order, so a result does
// not depend on anything but its inputs. Not a BLAS: these loops are memory-bound anyway.

/** Flat-vector kernels for the Krylov and power methods of this package. */
final class Vectors {
    private Vectors() {
    }

    /** Σ aᵢ·bᵢ in double. */
    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    /** Σ aᵢ·bᵢ with b widened to double. */
    static double dot(double[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    /** ‖a‖₂. */
    static double norm(double[] a) {
        return Math.sqrt(dot(a, a));
    }

    /** y += α·x. Modified: y. */
    static void axpy(double alpha, double[] x, double[] y) {
        for (int i = 0; i < y.length; i++) y[i] += alpha * x[i];
    }

    /** y += α·x with x widened to double. Modified: y. */
    static void axpy(double alpha, float[] x, double[] y) {
        for (int i = 0; i < y.length; i++) y[i] += alpha * x[i];
    }

    /** x ← α·x. Modified: x. */
    static void scale(double alpha, double[] x) {
        for (int i = 0; i < x.length; i++) x[i] *= alpha;
    }

    /**
     * PyHessian's {@code normalization}: x ← x / (‖x‖ + 1e-6). The 1e-6 keeps a zero vector finite;
     * the result's norm is slightly below 1, which is why Rayleigh quotients here divide by xᵀx.
     * Modified: x. Returns ‖x‖ before scaling.
     */
    static double normalizeLikePyHessian(double[] x) {
        double norm = norm(x);
        scale(1.0 / (norm + 1e-6), x);
        return norm;
    }

    /**
     * Gram–Schmidt against orthonormal vectors: x ← x − Σⱼ (qⱼᵀx)·qⱼ, one pass (modified
     * Gram–Schmidt: each coefficient uses the already-updated x). Modified: x.
     */
    static void orthogonalize(double[] x, double[][] q, int count) {
        for (int j = 0; j < count; j++) axpy(-dot(x, q[j]) / dot(q[j], q[j]), q[j], x);
    }
}
