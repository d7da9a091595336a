package io.tessera.nn;

import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Shape;
import io.tessera.tensor.Tensor;

/**
 * LayerNorm over the last axis with affine weight and bias:
 * y = (x − mean) / √(var + eps) · w + b (biased variance). ViTs use eps 1e-6. Init w = 1, b = 0.
 */
public final class LayerNorm extends Module {
    private final int width;
    private final double eps;
    private final Parameter weight; // (D)
    private final Parameter bias;   // (D)

    public LayerNorm(ParameterStore store, String prefix, int width, double eps) {
        super(prefix);
        if (width <= 0 || !(eps > 0)) throw new IllegalArgumentException("LayerNorm " + prefix + ": width " + width + ", eps " + eps);
        this.width = width;
        this.eps = eps;
        this.weight = store.parameter(name("weight"), Shape.of(width));
        this.bias = store.parameter(name("bias"), Shape.of(width));
    }

    public int width() { return width; }

    public double eps() { return eps; }

    public Parameter weight() { return weight; }

    public Parameter bias() { return bias; }

    /** x (..., D) → normalised (..., D). */
    public Tensor forward(Ops ops, Tensor x) {
        if (x.dim(-1) != width) {
            throw new IllegalArgumentException("LayerNorm " + prefix() + " of width " + width + " got input " + x.describe());
        }
        return ops.layerNorm(x, weight.tensor(), bias.tensor(), eps);
    }

    /**
     * The residual sum {@code x + residual} and this LayerNorm of it, in one backend call (see
     * {@link Ops#addLayerNorm}); the caller owns both results.
     */
    public Ops.AddNorm forward(Ops ops, Tensor x, Tensor residual) {
        if (x.dim(-1) != width) {
            throw new IllegalArgumentException("LayerNorm " + prefix() + " of width " + width + " got input " + x.describe());
        }
        return ops.addLayerNorm(x, residual, weight.tensor(), bias.tensor(), eps);
    }

    @Override
    public void init(Rng rng) {
        Init.constant(weight.tensor(), 1);
        Init.constant(bias.tensor(), 0);
    }
}
