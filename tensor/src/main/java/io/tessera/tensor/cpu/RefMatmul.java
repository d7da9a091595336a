package io.tessera.tensor.cpu;

import io.tessera.tensor.DType;
import io.tessera.tensor.Tensor;

/**
 * Scalar reference for the batched matrix product of {@link io.tessera.tensor.spi.Backend#matmul}:
 * a triple loop that accumulates in double and rounds once on store. It is the oracle the Vector
 * API GEMM and the GPU kernels are tested against, not a fast kernel.
 */
public final class RefMatmul {
    private RefMatmul() {
    }

    /**
     * c[b] = alpha · op(a[b]) · op(b[b]) + beta · c[b] for every batch entry b, with
     * op(x) = xᵀ when the flag is set. a: (Ba, M, K) or (Ba, K, M) when {@code transA};
     * b: (Bb, K, N) or (Bb, N, K) when {@code transB}; c: (Bc, M, N); Ba and Bb are 1 (shared)
     * or Bc. With beta = 0, c is only written. Works for F32 and F64 host tensors.
     *
     * <p>Reads a and b; overwrites (beta = 0) or updates c.
     */
    public static void matmul(Tensor c, Tensor a, Tensor b, boolean transA, boolean transB, double alpha, double beta) {
        Dims d = Dims.of("matmul", c, a, b, transA, transB);
        double[] av = Elements.read(a), bv = Elements.read(b);
        double[] cv = beta == 0 ? new double[c.size()] : Elements.read(c);
        int m = d.m(), n = d.n(), k = d.k();
        for (int bi = 0; bi < d.batch(); bi++) {
            int aBase = d.batchA() == 1 ? 0 : bi * m * k;
            int bBase = d.batchB() == 1 ? 0 : bi * k * n;
            int cBase = bi * m * n;
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int p = 0; p < k; p++) {
                        double x = transA ? av[aBase + p * m + i] : av[aBase + i * k + p];
                        double y = transB ? bv[bBase + j * k + p] : bv[bBase + p * n + j];
                        s += x * y;
                    }
                    int ci = cBase + i * n + j;
                    cv[ci] = beta == 0 ? alpha * s : alpha * s + beta * cv[ci];
                }
            }
        }
        Elements.store(c, cv);
    }

    /**
     * The sizes of one batched matrix product, checked against the operands' shapes.
     *
     * @param batch  Bc, the number of products
     * @param batchA Ba (1 or Bc)
     * @param batchB Bb (1 or Bc)
     */
    public record Dims(int batch, int batchA, int batchB, int m, int n, int k) {

        /** Reads (B, M, N, K) from rank-3 c, a, b and throws a message naming the op and shapes on mismatch. */
        public static Dims of(String op, Tensor c, Tensor a, Tensor b, boolean transA, boolean transB) {
            if (c.rank() != 3 || a.rank() != 3 || b.rank() != 3) {
                throw new IllegalArgumentException(op + ": expected rank-3 views c (B, M, N), a, b; got c " + c.shape()
                        + ", a " + a.shape() + ", b " + b.shape());
            }
            boolean halfProduct = a.dtype().isHalf() && b.dtype() == a.dtype() && c.dtype() == DType.F32;
            if (!halfProduct && (a.dtype() != c.dtype() || b.dtype() != c.dtype())) {
                throw new IllegalArgumentException(op + ": operands must share one dtype, got c " + c.dtype() + ", a "
                        + a.dtype() + ", b " + b.dtype());
            }
            int batch = c.dim(0), m = c.dim(1), n = c.dim(2);
            int am = transA ? a.dim(2) : a.dim(1), ak = transA ? a.dim(1) : a.dim(2);
            int bk = transB ? b.dim(2) : b.dim(1), bn = transB ? b.dim(1) : b.dim(2);
            if (am != m || bn != n || ak != bk) {
                throw new IllegalArgumentException(op + ": shapes do not chain: c " + c.shape() + " = a " + a.shape()
                        + (transA ? "ᵀ" : "") + " · b " + b.shape() + (transB ? "ᵀ" : "") + "; expected a (B, "
                        + (transA ? "K, M" : "M, K") + "), b (B, " + (transB ? "N, K" : "K, N") + ") with M = " + m
                        + ", N = " + n);
            }
            int ba = a.dim(0), bb = b.dim(0);
            if ((ba != 1 && ba != batch) || (bb != 1 && bb != batch)) {
                throw new IllegalArgumentException(op + ": batch of a " + a.shape() + " and b " + b.shape()
                        + " must be 1 or equal to c's batch " + batch + " (c " + c.shape() + ")");
            }
            return new Dims(batch, ba, bb, m, n, ak);
        }
    }
}
