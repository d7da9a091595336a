package io.tessera.nn;

import io.tessera.tensor.Ops;
import io.tessera.tensor.Tensor;

/** The transformer MLP: fc2(GELU(fc1(x))) with exact (erf) GELU and no dropout. */
public final class Mlp extends Module {
    private final Linear fc1;
    private final Linear fc2;

    /** Registers {@code prefix.fc1} (D → hidden) and {@code prefix.fc2} (hidden → D). */
    public Mlp(ParameterStore store, String prefix, int width, int hidden) {
        super(prefix);
        this.fc1 = child(new Linear(store, name("fc1"), width, hidden, true));
        this.fc2 = child(new Linear(store, name("fc2"), hidden, width, true));
    }

    public Linear fc1() { return fc1; }

    public Linear fc2() { return fc2; }

    /** x (..., D) → (..., D). */
    public Tensor forward(Ops ops, Tensor x) {
        Tensor g = fc1.forwardGelu(ops, x); // fc1 and GELU in one backend call
        Tensor y = fc2.forward(ops, g);
        ops.drop(g);
        return y;
    }
}
