// LUT's projector / predictor: a two-layer MLP Linear(no bias) → BatchNorm1d → ReLU → Linear(no bias),
// registered under the official nn.Sequential indices (0 = first Linear, 1 = BatchNorm1d, 2 = ReLU,
// 3 = last Linear), so "head.0.weight", "head.1.running_mean", "predictor.3.weight" are official names.
// Not a general MLP builder: exactly the depth-2 configuration LUT's recipe uses.
package io.tessera.ssl.lut;

import io.tessera.nn.BatchNorm1d;
import io.tessera.nn.Linear;
import io.tessera.nn.Module;
import io.tessera.nn.ParameterStore;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Tensor;

/**
 * y = W₂·ReLU(BN(W₁·x)) with W₁ (hidden, in), W₂ (out, hidden), no biases, BN with PyTorch
 * defaults (affine, eps 1e-5, momentum 0.1): batch statistics in training, running statistics
 * in evaluation.
 */
public final class ProjectionMlp extends Module {
    private final Linear fc1;
    private final BatchNorm1d bn;
    private final Linear fc2;

    /** Registers {@code prefix.0.weight}, {@code prefix.1.*} (BN parameters and buffers), {@code prefix.3.weight}. */
    public ProjectionMlp(ParameterStore store, String prefix, int in, int hidden, int out) {
        super(prefix);
        this.fc1 = child(new Linear(store, name("0"), in, hidden, false));
        this.bn = child(new BatchNorm1d(store, name("1"), hidden));
        this.fc2 = child(new Linear(store, name("3"), hidden, out, false));
    }

    public Linear fc1() { return fc1; }

    public BatchNorm1d batchNorm() { return bn; }

    public Linear fc2() { return fc2; }

    /** x (B, D) → (B, D_out) = W₂·ReLU(BN(W₁·x)). */
    public Tensor forward(Ops ops, Tensor x) {
        if (x.rank() != 2 || x.dim(1) != fc1.in()) {
            throw new IllegalArgumentException("ProjectionMlp " + prefix() + " expects (B, " + fc1.in() + "), got " + x.describe());
        }
        return fc2.forward(ops, ops.relu(bn.forward(ops, fc1.forward(ops, x))));
    }
}
