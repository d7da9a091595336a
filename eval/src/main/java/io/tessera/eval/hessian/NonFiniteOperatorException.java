package io.tessera.eval.hessian;

// Thrown when a Hessian-vector product returns NaN or infinity, so an algorithm of this package
// stops with the place of the first bad value instead of returning NaN eigenvalues or traces.

/** The operator returned a non-finite entry: names the algorithm, the step and the entry. */
public final class NonFiniteOperatorException extends IllegalArgumentException {
    private final String algorithm;
    private final int step;
    private final int index;
    private final double value;

    public NonFiniteOperatorException(String algorithm, int step, int index, double value) {
        super(algorithm + ": the operator (Hessian-vector product) returned " + value + " at entry " + index
                + " of its output in step " + step + "; expected finite values (check the loss and the point in weight space)");
        this.algorithm = algorithm;
        this.step = step;
        this.index = index;
        this.value = value;
    }

    /** The algorithm that applied the operator, e.g. {@code "power iteration"}. */
    public String algorithm() {
        return algorithm;
    }

    /** The 1-based operator application within that algorithm's run. */
    public int step() {
        return step;
    }

    /** The index of the first non-finite output entry. */
    public int index() {
        return index;
    }

    /** The offending value (NaN or ±infinity). */
    public double value() {
        return value;
    }
}
