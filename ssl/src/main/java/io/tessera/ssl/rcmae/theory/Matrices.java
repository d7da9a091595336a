// Dense float64 matrix arithmetic on double[rows][cols] for the linear toy model: products in the
// three orientations it needs, sums, scaling, Frobenius inner products. Plain loops in a fixed order
// (the matrices are a few dozen wide); not a linear-algebra library.
package io.tessera.ssl.rcmae.theory;

final class Matrices {
    private Matrices() {
    }

    static double[][] zeros(int rows, int cols) {
        return new double[rows][cols];
    }

    static double[][] copy(double[][] a) {
        double[][] c = new double[a.length][];
        for (int i = 0; i < a.length; i++) c[i] = a[i].clone();
        return c;
    }

    /** a·b. */
    static double[][] mul(double[][] a, double[][] b) {
        int n = a.length, k = b.length, m = b[0].length;
        if (a[0].length != k) throw new IllegalArgumentException("matrix product of " + n + "×" + a[0].length + " and " + k + "×" + m);
        double[][] c = new double[n][m];
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < k; p++) {
                double v = a[i][p];
                for (int j = 0; j < m; j++) c[i][j] += v * b[p][j];
            }
        }
        return c;
    }

    /** a·bᵀ. */
    static double[][] mulTransposed(double[][] a, double[][] b) {
        int n = a.length, m = b.length, k = a[0].length;
        if (b[0].length != k) throw new IllegalArgumentException("product a·bᵀ of " + n + "×" + k + " and (" + m + "×" + b[0].length + ")ᵀ");
        double[][] c = new double[n][m];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) s += a[i][p] * b[j][p];
                c[i][j] = s;
            }
        }
        return c;
    }

    /** aᵀ·b. */
    static double[][] transposedMul(double[][] a, double[][] b) {
        int k = a.length, n = a[0].length, m = b[0].length;
        if (b.length != k) throw new IllegalArgumentException("product aᵀ·b of (" + k + "×" + n + ")ᵀ and " + b.length + "×" + m);
        double[][] c = new double[n][m];
        for (int p = 0; p < k; p++) {
            for (int i = 0; i < n; i++) {
                double v = a[p][i];
                for (int j = 0; j < m; j++) c[i][j] += v * b[p][j];
            }
        }
        return c;
    }

    static double[][] add(double[][] a, double[][] b) {
        requireSameShape(a, b);
        double[][] c = new double[a.length][a[0].length];
        for (int i = 0; i < a.length; i++) for (int j = 0; j < a[0].length; j++) c[i][j] = a[i][j] + b[i][j];
        return c;
    }

    static double[][] sub(double[][] a, double[][] b) {
        requireSameShape(a, b);
        double[][] c = new double[a.length][a[0].length];
        for (int i = 0; i < a.length; i++) for (int j = 0; j < a[0].length; j++) c[i][j] = a[i][j] - b[i][j];
        return c;
    }

    static double[][] scale(double[][] a, double s) {
        double[][] c = new double[a.length][a[0].length];
        for (int i = 0; i < a.length; i++) for (int j = 0; j < a[0].length; j++) c[i][j] = s * a[i][j];
        return c;
    }

    /** Frobenius inner product ⟨a, b⟩ = Σ a_ij b_ij. */
    static double dot(double[][] a, double[][] b) {
        requireSameShape(a, b);
        double s = 0;
        for (int i = 0; i < a.length; i++) for (int j = 0; j < a[0].length; j++) s += a[i][j] * b[i][j];
        return s;
    }

    static double norm(double[][] a) {
        return Math.sqrt(dot(a, a));
    }

    /** ⟨a, b⟩ / (‖a‖‖b‖), NaN when either is zero. */
    static double cosine(double[][] a, double[][] b) {
        double na = norm(a), nb = norm(b);
        return na == 0 || nb == 0 ? Double.NaN : dot(a, b) / (na * nb);
    }

    private static void requireSameShape(double[][] a, double[][] b) {
        if (a.length != b.length || a[0].length != b[0].length) {
            throw new IllegalArgumentException("matrices of different shapes: " + a.length + "×" + a[0].length + " and " + b.length + "×" + b[0].length);
        }
    }
}
