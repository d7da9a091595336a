package io.tessera.eval.hessian;

import io.tessera.tensor.Rng;

// Seeded random start and probe vectors: Gaussian (PyHessian's torch.randn starts for power
// iteration and Lanczos restarts) and Rademacher ±1 (Hutchinson probes, SLQ starts). Draws come
// from the counter-based Rng, so a seed reproduces the same vector on any machine.

/** Fills flat vectors with seeded Gaussian or Rademacher entries. */
final class RandomVectors {
    private RandomVectors() {
    }

    /** xᵢ ~ N(0, 1), drawn in index order. Written: x. */
    static void gaussian(Rng rng, double[] x) {
        for (int i = 0; i < x.length; i++) x[i] = rng.nextGaussian();
    }

    /** xᵢ ∈ {−1, +1} with probability ½ each, 64 entries per 64-bit draw, in index order. Written: x. */
    static void rademacher(Rng rng, double[] x) {
        long bits = 0;
        for (int i = 0; i < x.length; i++) {
            if ((i & 63) == 0) bits = rng.nextLong();
            x[i] = (bits & 1L) == 0 ? 1.0 : -1.0;
            bits >>>= 1;
        }
    }
}
