package io.tessera.tensor;

import io.tessera.tensor.spi.Backend;

/**
 * A handle on a dense, row-major block of elements: shape, element type, storage and the
 * element offset of the first element in that storage. Tensors are always contiguous; views
 * (reshape, a leading-axis slice) share storage with an offset.
 *
 * <p>A tensor allocated inside a {@link Scope} is released when the scope closes; any later
 * access throws instead of reading recycled memory.
 *
 * <p>For autograd, a tensor may carry {@code requiresGrad} and, after a backward pass, a
 * gradient tensor of the same shape.
 */
public final class Tensor {
    private final Shape shape;
    private final DType dtype;
    private final Backend backend;
    private Storage storage;
    private final int offset;
    /** For a view, the tensor that owns the storage (its release releases the view); null otherwise. */
    private final Tensor base;
    private boolean requiresGrad;
    private Tensor grad;
    private String name;
    // Liveness, kept on the tensor that owns the storage (see Ops#drop): whether a scope owns it,
    // how many recorded backward rules still read it, whether the forward code is done with it,
    // and whether it must outlive backward (retainGrad).
    private boolean scoped;
    private int readers;
    private boolean dropped;
    private boolean pinned;

    /** Creates a handle; library code uses {@link Ops} or {@link ExecutionContext} factories instead. */
    public Tensor(Backend backend, Shape shape, DType dtype, Storage storage, int offset) {
        this(backend, shape, dtype, storage, offset, null);
    }

    private Tensor(Backend backend, Shape shape, DType dtype, Storage storage, int offset, Tensor base) {
        if (storage.dtype() != dtype) {
            throw new IllegalArgumentException("tensor of " + dtype + " over storage of " + storage.dtype());
        }
        if (offset < 0 || (long) offset + shape.size() > storage.capacity()) {
            throw new IllegalArgumentException("tensor " + shape + " at offset " + offset + " does not fit its storage of " + storage.capacity() + " elements");
        }
        this.backend = backend;
        this.shape = shape;
        this.dtype = dtype;
        this.storage = storage;
        this.offset = offset;
        this.base = base;
    }

    public Shape shape() { return shape; }

    public DType dtype() { return dtype; }

    public int size() { return shape.size(); }

    public int rank() { return shape.rank(); }

    /** Size of dimension {@code axis} (negative counts from the end). */
    public int dim(int axis) { return shape.dim(axis); }

    public Backend backend() { return backend; }

    public Device device() { return backend.device(); }

    /** Element offset of this tensor in its storage. */
    public int offset() { return offset; }

    /** The storage; throws if the tensor was released by its scope. */
    public Storage storage() {
        if (isReleased()) {
            throw new IllegalStateException("tensor " + describe() + " was released (its scope closed, or it was dropped and no backward rule needed it any more)");
        }
        return storage;
    }

    /** The backing float array of a heap F32 tensor (read it from {@link #offset()}). */
    public float[] f32() {
        if (storage() instanceof Storage.F32 s) return s.data();
        throw new IllegalStateException("tensor " + describe() + " is not a host F32 tensor (storage " + storage.getClass().getSimpleName() + ")");
    }

    /** The backing double array of a heap F64 tensor. */
    public double[] f64() {
        if (storage() instanceof Storage.F64 s) return s.data();
        throw new IllegalStateException("tensor " + describe() + " is not a host F64 tensor");
    }

    /** The backing array of a heap BF16 tensor: raw bfloat16 bit patterns (see {@link BFloat16}). */
    public short[] bf16() {
        if (storage() instanceof Storage.BF16 s) return s.data();
        throw new IllegalStateException("tensor " + describe() + " is not a host BF16 tensor");
    }

    /** The backing array of a heap F16 tensor: raw float16 bit patterns (see {@link Float16}). */
    public short[] f16() {
        if (storage() instanceof Storage.F16 s) return s.data();
        throw new IllegalStateException("tensor " + describe() + " is not a host F16 tensor");
    }

    /** The backing int array of a heap I32 tensor. */
    public int[] i32() {
        if (storage() instanceof Storage.I32 s) return s.data();
        throw new IllegalStateException("tensor " + describe() + " is not a host I32 tensor");
    }

    /**
     * A view with another shape of the same size, sharing storage (released with it). It does not
     * carry the gradient flag: use {@link Ops#reshape} for a view that autograd follows.
     */
    public Tensor view(Shape newShape) {
        if (newShape.size() != shape.size()) {
            throw new IllegalArgumentException("cannot view " + describe() + " as " + newShape + ": sizes differ");
        }
        return new Tensor(backend, newShape, dtype, storage(), offset, root());
    }

    /** A view of {@code count} consecutive entries of axis 0 starting at {@code start}. */
    public Tensor narrow0(int start, int count) {
        int n = shape.rank() == 0 ? 1 : shape.dim(0);
        if (start < 0 || count < 0 || start + count > n) {
            throw new IllegalArgumentException("narrow0(" + start + ", " + count + ") is out of range for " + describe());
        }
        int inner = shape.rank() == 0 ? 1 : shape.size() / Math.max(n, 1);
        return new Tensor(backend, shape.with(0, count), dtype, storage(), offset + start * inner, root());
    }

    /** All elements as floats (copied to the host if needed). */
    public float[] toFloatArray() { return backend.readF32(this); }

    /** All elements as doubles (copied to the host if needed). */
    public double[] toDoubleArray() { return backend.readF64(this); }

    /** All elements as ints; the tensor must be I32. */
    public int[] toIntArray() { return backend.readI32(this); }

    /** The single element of a one-element tensor. */
    public double item() {
        if (shape.size() != 1) {
            throw new IllegalStateException("item() needs a one-element tensor, got " + describe());
        }
        return backend.readF64(this)[0];
    }

    /** One element by multi-index. Slow: for tests and inspection. */
    public double get(int... index) {
        if (index.length != shape.rank()) {
            throw new IllegalArgumentException("index of rank " + index.length + " for " + describe());
        }
        int[] st = shape.strides();
        int flat = 0;
        for (int i = 0; i < index.length; i++) {
            if (index[i] < 0 || index[i] >= shape.dim(i)) {
                throw new IndexOutOfBoundsException("index " + java.util.Arrays.toString(index) + " for " + describe());
            }
            flat += index[i] * st[i];
        }
        return switch (storage()) {
            case Storage.F32 s -> s.data()[offset + flat];
            case Storage.F64 s -> s.data()[offset + flat];
            case Storage.I32 s -> s.data()[offset + flat];
            case Storage.BF16 s -> BFloat16.toFloat(s.data()[offset + flat]);
            case Storage.F16 s -> Float16.toFloat(s.data()[offset + flat]);
            case DeviceStorage d -> backend.readF64(this)[flat];
        };
    }

    public boolean requiresGrad() { return requiresGrad; }

    /** Marks this tensor as a leaf whose gradient autograd computes. Returns this. */
    public Tensor requiresGrad(boolean on) {
        if (on && !dtype.isFloating()) {
            throw new IllegalArgumentException("an " + dtype + " tensor cannot require a gradient: " + describe());
        }
        this.requiresGrad = on;
        return this;
    }

    /** The gradient accumulated by backward passes, or null if none. */
    public Tensor grad() { return grad; }

    /** Sets the gradient buffer (parameters use views of a flat gradient store). */
    public void setGrad(Tensor g) {
        if (g != null && (!g.shape.equals(shape) || g.dtype != dtype)) {
            throw new IllegalArgumentException("gradient " + g.describe() + " does not match " + describe());
        }
        this.grad = g;
    }

    public String name() { return name; }

    /** Names the tensor for error messages and checkpoints. Returns this. */
    public Tensor named(String n) {
        this.name = n;
        return this;
    }

    /** True once the owning scope has released the storage (for a view: its base's storage). */
    public boolean isReleased() { return storage == null || (base != null && base.storage == null); }

    /** The tensor that owns the storage: this one, or the base of a view. */
    Tensor root() { return base == null ? this : base; }

    /** Called when the storage is recycled (scope close, or a drop whose readers are done). */
    void release() { storage = null; }

    // ---- liveness (on the root) -------------------------------------------------------------

    void scoped(boolean on) { scoped = on; }

    boolean scoped() { return scoped; }

    void addReader() { readers++; }

    /** One recorded rule that read this tensor has run (or will never run); returns the readers left. */
    int removeReader() { return --readers; }

    int readers() { return readers; }

    void markDropped() { dropped = true; }

    boolean dropped() { return dropped; }

    void pin() { pinned = true; }

    boolean pinned() { return pinned; }

    /** "name (B, T, D) F32 on cpu" for messages. */
    public String describe() {
        return (name == null ? "" : name + " ") + shape + " " + dtype + " on " + backend.device();
    }

    @Override
    public String toString() {
        return "Tensor[" + describe() + "]";
    }
}
