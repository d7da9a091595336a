// Resampling filters for resizing: PIL's bilinear (triangle, support 1) and bicubic (Keys cubic
// with a = −0.5, support 2). Both antialias when shrinking, as PIL's resize does.
package io.tessera.ssl.data;

/** A separable resampling filter k(x) with support s. */
public enum Interpolation {
    /** k(x) = max(0, 1 − |x|), support 1. */
    BILINEAR(1.0),
    /**
     * Keys cubic with a = −0.5 (PIL): k(x) = ((a+2)|x| − (a+3))x² + 1 for |x| < 1,
     * a|x|³ − 5a x² + 8a|x| − 4a for 1 ≤ |x| < 2, else 0; support 2.
     */
    BICUBIC(2.0);

    private final double support;

    Interpolation(double support) {
        this.support = support;
    }

    /** Filter support (half-width) at scale 1. */
    public double support() {
        return support;
    }

    /** The filter weight k(x). */
    public double weight(double x) {
        x = Math.abs(x);
        return switch (this) {
            case BILINEAR -> x < 1 ? 1 - x : 0;
            case BICUBIC -> {
                double a = -0.5;
                if (x < 1) yield ((a + 2) * x - (a + 3)) * x * x + 1;
                if (x < 2) yield ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
                yield 0;
            }
        };
    }
}
