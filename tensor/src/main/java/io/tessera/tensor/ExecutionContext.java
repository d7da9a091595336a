package io.tessera.tensor;

import io.tessera.tensor.cpu.CpuBackend;
import io.tessera.tensor.cpu.ReferenceBackend;
import io.tessera.tensor.spi.Backend;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;

/**
 * Everything an op needs besides its operands: the backend (device and kernels), the root
 * random stream, the open allocation scopes and the active autograd tape. Passed explicitly;
 * there are no global switches. Not thread-safe: one context per training thread.
 */
public final class ExecutionContext implements AutoCloseable {
    private final Backend backend;
    private final Rng rng;
    private final Deque<Scope> scopes = new ArrayDeque<>();
    private final Ops ops;
    private Tape tape;
    private Tape running;
    private DType autocast;

    public ExecutionContext(Backend backend, long seed) {
        this.backend = backend;
        this.rng = new Rng(seed);
        this.ops = new Ops(this);
    }

    /** The Vector API CPU backend on {@code threads} threads. */
    public static ExecutionContext cpu(int threads, long seed) {
        return new ExecutionContext(new CpuBackend(threads), seed);
    }

    /** The scalar reference backend (slow; for tests and references). */
    public static ExecutionContext reference(long seed) {
        return new ExecutionContext(new ReferenceBackend(), seed);
    }

    public Backend backend() {
        return backend;
    }

    /** The op facade bound to this context. */
    public Ops ops() {
        return ops;
    }

    /** The root random stream. */
    public Rng rng() {
        return rng;
    }

    /** An independent named stream derived from the root (does not advance it). */
    public Rng rng(String name) {
        return rng.split(name);
    }

    // ---- allocation ------------------------------------------------------------------------

    /** A new tensor, owned by the innermost open scope (or by nobody, if none is open). */
    public Tensor allocate(Shape shape, DType dtype, boolean zeroed) {
        Tensor t = new Tensor(backend, shape, dtype, backend.allocate(dtype, shape.size(), zeroed), 0);
        Scope s = scopes.peek();
        if (s != null) s.adopt(t);
        return t;
    }

    /** A new tensor that no scope releases (parameters, optimizer state, leaf gradients). */
    public Tensor allocatePersistent(Shape shape, DType dtype, boolean zeroed) {
        return new Tensor(backend, shape, dtype, backend.allocate(dtype, shape.size(), zeroed), 0);
    }

    /** Opens a scope that releases every tensor allocated in it when closed. */
    public Scope openScope() {
        Scope s = new Scope(this);
        scopes.push(s);
        return s;
    }

    void popScope(Scope s) {
        if (scopes.peek() != s) {
            throw new IllegalStateException("scopes must close in the reverse order they were opened");
        }
        scopes.pop();
    }

    void adoptIntoParent(Scope child, Tensor t) {
        Iterator<Scope> it = scopes.iterator();
        while (it.hasNext()) {
            if (it.next() == child) {
                if (it.hasNext()) it.next().adopt(t);
                return;
            }
        }
    }

    /**
     * The caller will not read {@code t} (nor any view of it) again: its storage returns to the
     * pool now, or, when recorded backward rules still read it, right after the last of them has
     * run. Tensors no scope owns (parameters, persistent buffers) and tensors whose gradient is
     * retained are left alone. See {@link Ops#drop}.
     */
    void drop(Tensor t) {
        Tensor r = t.root();
        if (r.isReleased() || !r.scoped() || r.pinned()) return;
        r.markDropped();
        if (r.readers() == 0) free(r);
    }

    /** A recorded rule that read {@code t} has run (or never will): frees it if it was dropped and nothing else reads it. */
    void readerDone(Tensor t) {
        Tensor r = t.root();
        if (r.removeReader() == 0 && r.dropped() && !r.pinned() && !r.isReleased()) free(r);
    }

    private void free(Tensor root) {
        backend.release(root.storage());
        root.release();
    }

    // ---- mixed precision -------------------------------------------------------------------

    /**
     * Runs matrix products in {@code lowPrecision} until the returned handle closes, as PyTorch's
     * {@code torch.autocast} on CUDA: {@link Ops#linear}, {@link Ops#matmul} and attention round
     * their operands to {@code lowPrecision} ({@link DType#BF16} or {@link DType#F16}), accumulate
     * in float32 and round their results to it; every other op (norms, softmax, reductions, losses,
     * elementwise arithmetic) runs in float32 on float32 tensors. Backward rules recorded inside
     * round their incoming gradient and the gradients they pass on the same way. Parameters, their
     * gradients and the optimizer stay float32. F16 has a narrow range (largest 65504, smallest
     * subnormal 2⁻²⁴): small gradients flush to zero unless the loss is scaled first, which is the
     * trainer's business (its dynamic loss scaler). Handles nest and restore the previous mode.
     */
    public Autocast autocast(DType lowPrecision) {
        if (lowPrecision == null || !lowPrecision.isHalf()) {
            throw new IllegalArgumentException("autocast runs in BF16 or F16, got " + lowPrecision);
        }
        Autocast h = new Autocast(autocast);
        autocast = lowPrecision;
        return h;
    }

    /** The autocast type in force (BF16 or F16), or null when ops run in their operands' dtype. */
    public DType autocastType() {
        return autocast;
    }

    /** Restores the autocast mode that was in force when it was opened. */
    public final class Autocast implements AutoCloseable {
        private final DType previous;
        private boolean closed;

        private Autocast(DType previous) {
            this.previous = previous;
        }

        @Override
        public void close() {
            if (closed) return;
            closed = true;
            autocast = previous;
        }
    }

    // ---- autograd --------------------------------------------------------------------------

    /** Starts recording differentiable ops; close the tape to return to inference mode. */
    public Tape record() {
        return open(false);
    }

    /**
     * Starts recording on a tape that can differentiate its own backward pass
     * ({@link Tape#gradGraph}, for Hessian-vector products). Ops keep the few extra tensors their
     * differentiable rules read; training uses {@link #record()} and never pays for this.
     */
    public Tape recordHigherOrder() {
        return open(true);
    }

    private Tape open(boolean higherOrder) {
        if (tape != null) {
            throw new IllegalStateException("a tape is already recording on this context");
        }
        tape = new Tape(this, higherOrder);
        return tape;
    }

    /** The recording tape, or null in inference mode. */
    public Tape tape() {
        return tape;
    }

    void endTape(Tape t) {
        if (tape == t) tape = null;
    }

    /** The tape whose backward pass is running (it may have stopped recording), else the recording one. */
    Tape backwardTape() {
        return running != null ? running : tape;
    }

    /** Marks {@code t} as running its backward pass (null when it ends). */
    void runningBackward(Tape t) {
        running = t;
    }

    /**
     * The gradient buffer of {@code t}, allocated zeroed on first use: persistent for leaves,
     * scoped for intermediates, or a view of its base's gradient for a view the tape shares it
     * for ({@link Tape#shareGradient}). Null when {@code t} needs no gradient.
     */
    Tensor gradOf(Tape on, Tensor t) {
        if (t == null || !t.requiresGrad()) return null;
        Tensor g = t.grad();
        if (g == null) {
            Tape.Shared s = on != null ? on.sharedGradient(t) : null;
            Tensor base = s != null ? gradOf(on, s.base()) : null;
            if (base != null) {
                g = base.view(Shape.of(base.size())).narrow0(s.offset(), t.size()).view(t.shape());
            } else {
                g = on != null && on.isProduced(t) ? allocate(t.shape(), t.dtype(), true) : allocatePersistent(t.shape(), t.dtype(), true);
            }
            t.setGrad(g);
        }
        return g;
    }

    @Override
    public void close() {
        while (!scopes.isEmpty()) scopes.peek().close();
        backend.close();
    }
}
