package io.tessera.nn;

import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Shape;
import io.tessera.tensor.Tensor;

/**
 * Fully connected layer in PyTorch's layout: y = x·Wᵀ + b with weight (out, in) and bias
 * (out). Default init is the MAE one: xavier-uniform over the whole matrix, bias 0.
 */
public final class Linear extends Module {
    private final int in;
    private final int out;
    private final Parameter weight; // (out, in)
    private final Parameter bias;   // (out) or null

    /** Registers {@code prefix.weight} (out, in) and, if {@code bias}, {@code prefix.bias} (out). */
    public Linear(ParameterStore store, String prefix, int in, int out, boolean bias) {
        super(prefix);
        if (in <= 0 || out <= 0) throw new IllegalArgumentException("Linear " + prefix + ": sizes must be positive, got in " + in + ", out " + out);
        this.in = in;
        this.out = out;
        this.weight = store.parameter(name("weight"), Shape.of(out, in));
        this.bias = bias ? store.parameter(name("bias"), Shape.of(out)) : null;
    }

    public int in() { return in; }

    public int out() { return out; }

    public Parameter weight() { return weight; }

    /** The bias entry, or null when the layer has none. */
    public Parameter bias() { return bias; }

    /** y (..., out) = x (..., in) · Wᵀ + b. */
    public Tensor forward(Ops ops, Tensor x) {
        return ops.linear(x, weight.tensor(), bias == null ? null : bias.tensor());
    }

    /** gelu(this layer(x)), exact erf, as one backend call when there is a bias (see {@link Ops#linearGelu}). */
    public Tensor forwardGelu(Ops ops, Tensor x) {
        return ops.linearGelu(x, weight.tensor(), bias == null ? null : bias.tensor());
    }

    /** Xavier-uniform weight, bound √(6/(in+out)); bias 0. */
    @Override
    public void init(Rng rng) {
        Init.xavierUniform(weight.tensor(), rng, out, in);
        if (bias != null) Init.constant(bias.tensor(), 0);
    }

    /** Truncated-normal weight (timm/MAE downstream head init, e.g. std 2e-5 or 0.01), bias 0. */
    public void initTruncNormal(Rng rng, double std) {
        Init.truncNormal(weight.tensor(), rng, std);
        if (bias != null) Init.constant(bias.tensor(), 0);
    }
}
