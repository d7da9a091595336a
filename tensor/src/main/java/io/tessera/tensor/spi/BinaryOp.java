package io.tessera.tensor.spi;

/** Elementwise functions of two tensors with NumPy broadcasting. */
public enum BinaryOp {
    ADD, SUB, MUL, DIV,
    /** max(a, b); the gradient goes to a where a ≥ b. */
    MAX,
    /** min(a, b); the gradient goes to a where a ≤ b. */
    MIN
}
