package io.tessera.eval.hessian;

// Argument checks shared by the result records and algorithms of this package, so every
// "must be finite" message has the same shape.

/** Finiteness checks that name the quantity and the first bad index. */
final class Checks {
    private Checks() {
    }

    static void finite(String what, double[] a) {
        for (int i = 0; i < a.length; i++) {
            if (!Double.isFinite(a[i])) throw new IllegalArgumentException(what + ": entry " + i + " is " + a[i] + ", expected a finite number");
        }
    }

    static void finite(String what, double x) {
        if (!Double.isFinite(x)) throw new IllegalArgumentException(what + " is " + x + ", expected a finite number");
    }
}
