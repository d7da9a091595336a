package io.tessera.nn;

import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Shape;
import io.tessera.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The flat home of a model's state: one buffer for all parameter values, one for their
 * gradients (same offsets) and one for non-trainable buffers (frozen sin-cos tables,
 * BatchNorm running statistics), with a table of (name, offset, shape, flags) in registration
 * order. Modules register entries first; {@link #allocate} then creates the flat tensors and
 * binds each entry to a view. Counting needs no allocation, so the table of a huge model can
 * be inspected for free. Optimisers, EMA teachers, checkpoints and landscape directions work
 * on the flat buffers; this class does no arithmetic beyond zeroing.
 */
public final class ParameterStore {
    private final Map<String, Parameter> byName = new LinkedHashMap<>();
    private final List<Parameter> parameters = new ArrayList<>();
    private final List<Parameter> buffers = new ArrayList<>();
    private long parameterSize;
    private long bufferSize;
    private ExecutionContext ctx;
    private Tensor values;
    private Tensor grads;
    private Tensor bufferValues;

    /**
     * Registers a trainable parameter; its decay hint is false for 1-D shapes and names ending
     * in {@code .bias}.
     */
    public Parameter parameter(String name, Shape shape) {
        return parameter(name, shape, true, shape.rank() > 1 && !name.endsWith(".bias") && !name.equals("bias"));
    }

    /** Registers a parameter with explicit flags. */
    public Parameter parameter(String name, Shape shape, boolean trainable, boolean decay) {
        Parameter p = register(name, shape, Parameter.Kind.PARAMETER, parameterSize, trainable, decay);
        parameters.add(p);
        parameterSize += shape.size();
        return p;
    }

    /** Registers a non-trainable buffer (its own flat buffer, no gradient). */
    public Parameter buffer(String name, Shape shape) {
        Parameter p = register(name, shape, Parameter.Kind.BUFFER, bufferSize, false, false);
        buffers.add(p);
        bufferSize += shape.size();
        return p;
    }

    private Parameter register(String name, Shape shape, Parameter.Kind kind, long offset, boolean trainable, boolean decay) {
        if (values != null || bufferValues != null) {
            throw new IllegalStateException("cannot register " + name + " " + shape + ": the store is already allocated");
        }
        if (name == null || name.isEmpty() || name.startsWith(".") || name.endsWith(".") || name.contains("..")) {
            throw new IllegalArgumentException("bad parameter name '" + name + "'");
        }
        if (byName.containsKey(name)) {
            throw new IllegalArgumentException("parameter name " + name + " registered twice (" + byName.get(name) + ", now " + shape + ")");
        }
        if (offset + shape.size() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("store exceeds 2^31 elements when registering " + name + " " + shape);
        }
        Parameter p = new Parameter(name, shape, kind, (int) offset, trainable, decay);
        byName.put(name, p);
        return p;
    }

    /**
     * Allocates the flat buffers as persistent tensors of {@code dtype} (F32 for training, F64
     * for gradient checks), all zero, and binds every entry: values get their name,
     * {@code requiresGrad} (when trainable) and their gradient view.
     */
    public void allocate(ExecutionContext context, DType dtype) {
        if (values != null) throw new IllegalStateException("parameter store is already allocated");
        if (!dtype.isFloating()) throw new IllegalArgumentException("parameter store needs a floating dtype, got " + dtype);
        this.ctx = context;
        values = context.allocatePersistent(Shape.of((int) parameterSize), dtype, true).named("parameters");
        grads = context.allocatePersistent(Shape.of((int) parameterSize), dtype, true).named("gradients");
        bufferValues = context.allocatePersistent(Shape.of((int) bufferSize), dtype, true).named("buffers");
        for (Parameter p : parameters) {
            p.bind(values.narrow0(p.offset(), p.size()).view(p.shape()), grads.narrow0(p.offset(), p.size()).view(p.shape()));
        }
        for (Parameter b : buffers) {
            b.bind(bufferValues.narrow0(b.offset(), b.size()).view(b.shape()), null);
        }
    }

    public boolean isAllocated() { return values != null; }

    /** The context the store was allocated in. */
    public ExecutionContext context() {
        requireAllocated();
        return ctx;
    }

    public DType dtype() {
        requireAllocated();
        return values.dtype();
    }

    /** The flat parameter values (all parameters, registration order). */
    public Tensor values() {
        requireAllocated();
        return values;
    }

    /** The flat gradients, aligned with {@link #values()}. */
    public Tensor gradients() {
        requireAllocated();
        return grads;
    }

    /** The flat non-trainable buffers. */
    public Tensor bufferValues() {
        requireAllocated();
        return bufferValues;
    }

    /** Sets every gradient to zero. */
    public void zeroGrad() {
        requireAllocated();
        ctx.backend().fill(grads, 0.0);
    }

    /** The entry (parameter or buffer) named {@code name}. */
    public Parameter get(String name) {
        Parameter p = byName.get(name);
        if (p == null) {
            throw new IllegalArgumentException("no parameter or buffer named " + name + " (store has " + byName.size() + " entries)");
        }
        return p;
    }

    public boolean contains(String name) { return byName.containsKey(name); }

    /** Value tensor of the entry named {@code name}. */
    public Tensor tensor(String name) { return get(name).tensor(); }

    /** Gradient tensor of the parameter named {@code name}. */
    public Tensor grad(String name) { return get(name).grad(); }

    /** Parameters in registration order. */
    public List<Parameter> parameters() { return Collections.unmodifiableList(parameters); }

    /** Buffers in registration order. */
    public List<Parameter> buffers() { return Collections.unmodifiableList(buffers); }

    /** All entries, parameters and buffers interleaved in registration order. */
    public List<Parameter> entries() { return List.copyOf(byName.values()); }

    /** Entry names in registration order. */
    public List<String> names() { return List.copyOf(byName.keySet()); }

    /**
     * Freezes ({@code on} = false) or unfreezes every parameter whose name matches
     * {@code names} (e.g. all but {@code head.} for a linear probe); returns how many matched.
     */
    public int setTrainable(java.util.function.Predicate<String> names, boolean on) {
        int n = 0;
        for (Parameter p : parameters) {
            if (names.test(p.name())) {
                p.setTrainable(on);
                n++;
            }
        }
        return n;
    }

    /** Total elements of all parameters (trainable or not). */
    public long parameterCount() { return parameterSize; }

    /** Total elements of the parameters that currently are trainable. */
    public long trainableCount() {
        long n = 0;
        for (Parameter p : parameters) if (p.trainable()) n += p.size();
        return n;
    }

    /** Total elements of all buffers. */
    public long bufferCount() { return bufferSize; }

    private void requireAllocated() {
        if (values == null) throw new IllegalStateException("parameter store is not allocated yet (call allocate)");
    }
}
