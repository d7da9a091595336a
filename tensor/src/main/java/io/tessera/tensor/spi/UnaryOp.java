package io.tessera.tensor.spi;

/**
 * Elementwise functions of one tensor. The backward rule of each is
 * {@code dx += dy * f'(x)}; {@link #backwardUsesOutput()} says whether a backend computes
 * f' from the saved output y (cheaper) instead of the input x.
 */
public enum UnaryOp {
    /** -x */
    NEG(false),
    /** e^x; f' = y */
    EXP(true),
    /** ln x; f' = 1/x */
    LOG(false),
    /** √x; f' = 1/(2y) */
    SQRT(true),
    /** 1/√x; f' = -y³/2 */
    RSQRT(true),
    /** |x|; f' = sign(x) (0 at 0) */
    ABS(false),
    /** x²; f' = 2x */
    SQUARE(false),
    /** max(x, 0); f' = [x > 0] */
    RELU(false),
    /** x·Φ(x) with the exact erf; f' = Φ(x) + x·φ(x) */
    GELU(false),
    /** tanh x; f' = 1 − y² */
    TANH(true);

    private final boolean backwardUsesOutput;

    UnaryOp(boolean backwardUsesOutput) {
        this.backwardUsesOutput = backwardUsesOutput;
    }

    public boolean backwardUsesOutput() {
        return backwardUsesOutput;
    }
}
