package io.tessera.eval.hessian;

// The orthonormal basis v₁..v_j of a Lanczos run, kept as float[] or double[] vectors
// (BasisStorage), with the dot products and updates against it done in double. Not a general
// matrix: it only grows, and it only serves re-orthogonalisation and Ritz vectors.

/** Stored Lanczos vectors with double-accumulated dot products and AXPY updates. */
sealed interface KrylovBasis permits KrylovBasis.Floats, KrylovBasis.Doubles {

    static KrylovBasis create(BasisStorage storage, int capacity) {
        return storage == BasisStorage.FLOAT ? new Floats(capacity) : new Doubles(capacity);
    }

    int size();

    /** Appends v. With float storage v is rounded in place to the stored values, so the caller applies H to exactly the stored vector. */
    void add(double[] v);

    /** vⱼᵀx. */
    double dot(int j, double[] x);

    /** x += α·vⱼ. Modified: x. */
    void axpy(int j, double alpha, double[] x);

    /**
     * Full re-orthogonalisation: one modified Gram–Schmidt pass of x against every stored vector,
     * and a second pass when the first removed more than 1 − 1/√2 of ‖x‖ (Daniel, Gragg, Kaufman
     * and Stewart's "twice is enough" test). Modified: x.
     */
    default void reorthogonalize(double[] x) {
        double before = Vectors.norm(x);
        for (int pass = 0; pass < 2; pass++) {
            for (int j = 0; j < size(); j++) axpy(j, -dot(j, x), x);
            double after = Vectors.norm(x);
            if (after >= 0.7071067811865476 * before) return;
            before = after;
        }
    }

    /** out = Σⱼ cⱼ·vⱼ over the stored vectors. Written: out. */
    default void combine(double[] c, double[] out) {
        java.util.Arrays.fill(out, 0);
        for (int j = 0; j < size(); j++) axpy(j, c[j], out);
    }

    final class Floats implements KrylovBasis {
        private final float[][] v;
        private int size;

        Floats(int capacity) {
            v = new float[capacity][];
        }

        @Override
        public int size() {
            return size;
        }

        @Override
        public void add(double[] x) {
            float[] f = new float[x.length];
            for (int i = 0; i < x.length; i++) {
                f[i] = (float) x[i];
                x[i] = f[i];
            }
            v[size++] = f;
        }

        @Override
        public double dot(int j, double[] x) {
            return Vectors.dot(x, v[j]);
        }

        @Override
        public void axpy(int j, double alpha, double[] x) {
            Vectors.axpy(alpha, v[j], x);
        }
    }

    final class Doubles implements KrylovBasis {
        private final double[][] v;
        private int size;

        Doubles(int capacity) {
            v = new double[capacity][];
        }

        @Override
        public int size() {
            return size;
        }

        @Override
        public void add(double[] x) {
            v[size++] = x.clone();
        }

        @Override
        public double dot(int j, double[] x) {
            return Vectors.dot(x, v[j]);
        }

        @Override
        public void axpy(int j, double alpha, double[] x) {
            Vectors.axpy(alpha, v[j], x);
        }
    }
}
