// The random draws an augmentation makes, as one small interface: uniforms, bounded integers,
// normals and Beta variates. Augmentations normally draw from an Rng (Draws.of); tests replay the
// draws a reference implementation recorded, so boxes, magnitudes and mixing weights are compared
// exactly. Not a generator itself.
package io.tessera.ssl.data;

import io.tessera.tensor.Rng;

/** A source of the random numbers augmentations consume. */
public interface Draws {
    /** Uniform in [0, 1). */
    double nextDouble();

    /** Uniform integer in [0, bound), bound ≥ 1. */
    int nextInt(int bound);

    /** Standard normal. */
    double nextGaussian();

    /** Beta(a, b) with a, b > 0. */
    double nextBeta(double a, double b);

    /** N(mean, std²) as mean + z·std (Python's random.gauss). */
    default double gaussian(double mean, double std) {
        return mean + nextGaussian() * std;
    }

    /** Uniform in [lo, hi): lo + (hi − lo)·u, as Python's random.uniform. */
    default double uniform(double lo, double hi) {
        return lo + (hi - lo) * nextDouble();
    }

    /** The draws of {@code rng}; Beta variates through two Gamma variates (Marsaglia and Tsang). */
    static Draws of(Rng rng) {
        return new Draws() {
            @Override
            public double nextDouble() {
                return rng.nextDouble();
            }

            @Override
            public int nextInt(int bound) {
                return rng.nextInt(bound);
            }

            @Override
            public double nextGaussian() {
                return rng.nextGaussian();
            }

            @Override
            public double nextBeta(double a, double b) {
                if (!(a > 0) || !(b > 0)) throw new IllegalArgumentException("Beta(a, b) needs a, b > 0, got " + a + ", " + b);
                double x = gamma(rng, a), y = gamma(rng, b);
                return x / (x + y);
            }
        };
    }

    /**
     * Gamma(k, 1) by Marsaglia and Tsang (2000): for k ≥ 1, d = k − 1/3, c = 1/√(9d), accept
     * v = (1 + c·z)³ when log u < z²/2 + d − d·v + d·log v; for k &lt; 1, Gamma(k + 1)·u^(1/k).
     */
    private static double gamma(Rng rng, double k) {
        if (k < 1) {
            double u = ((rng.nextLong() >>> 11) + 1) * 0x1.0p-53; // (0, 1]
            return gamma(rng, k + 1) * Math.pow(u, 1 / k);
        }
        double d = k - 1.0 / 3, c = 1 / Math.sqrt(9 * d);
        while (true) {
            double z = rng.nextGaussian(), v = 1 + c * z;
            if (v <= 0) continue;
            v = v * v * v;
            double u = ((rng.nextLong() >>> 11) + 1) * 0x1.0p-53;
            if (Math.log(u) < 0.5 * z * z + d - d * v + d * Math.log(v)) return d * v;
        }
    }
}
