package io.tessera.nn;

import io.tessera.tensor.Shape;
import io.tessera.tensor.Tensor;

/**
 * One entry of a {@link ParameterStore} table: a dotted name (timm / MAE naming), a shape, an
 * element offset into the store's flat buffer and flags. Once the store is allocated it also
 * holds the tensor view of the values and, for parameters, the view of the gradient.
 * It is a table row, not an owner of memory.
 */
public final class Parameter {
    /** Whether the entry lives in the parameter buffer (with a gradient) or the buffer store. */
    public enum Kind { PARAMETER, BUFFER }

    private final String name;
    private final Shape shape;
    private final Kind kind;
    private final int offset;
    private final boolean decay;
    private boolean trainable;
    private Tensor tensor;
    private Tensor grad;

    Parameter(String name, Shape shape, Kind kind, int offset, boolean trainable, boolean decay) {
        this.name = name;
        this.shape = shape;
        this.kind = kind;
        this.offset = offset;
        this.trainable = trainable;
        this.decay = decay;
    }

    public String name() { return name; }

    public Shape shape() { return shape; }

    public Kind kind() { return kind; }

    /** Number of elements. */
    public int size() { return shape.size(); }

    /** Element offset of this entry in its flat buffer (parameters and buffers count separately). */
    public int offset() { return offset; }

    /** True for a parameter that receives a gradient (always false for buffers). */
    public boolean trainable() { return trainable; }

    /**
     * Weight-decay group hint: false for 1-D tensors and names ending in {@code .bias}, true
     * otherwise (MAE pre-training rule). Optimisers may apply their own rule on top.
     */
    public boolean decay() { return decay; }

    /** True once the owning store has allocated its flat buffers. */
    public boolean isAllocated() { return tensor != null; }

    /** The value tensor, a view of the flat buffer. */
    public Tensor tensor() {
        if (tensor == null) {
            throw new IllegalStateException("parameter " + name + " " + shape + " is registered but its store is not allocated yet");
        }
        return tensor;
    }

    /** The gradient view of the flat gradient buffer (null for buffers). */
    public Tensor grad() {
        tensor();
        return grad;
    }

    /**
     * Freezes or unfreezes a parameter: a frozen one gets no gradient from backward passes
     * (its gradient view stays in the flat buffer, untouched).
     */
    public void setTrainable(boolean on) {
        if (kind == Kind.BUFFER && on) {
            throw new IllegalArgumentException("buffer " + name + " cannot be made trainable");
        }
        trainable = on;
        if (tensor != null) tensor.requiresGrad(on);
    }

    void bind(Tensor value, Tensor gradient) {
        this.tensor = value;
        this.grad = gradient;
        value.named(name);
        if (gradient != null) {
            gradient.named(name + ".grad");
            value.setGrad(gradient);
        }
        value.requiresGrad(trainable);
    }

    @Override
    public String toString() {
        return name + " " + shape + " " + kind + (trainable ? " trainable" : "") + " @" + offset;
    }
}
