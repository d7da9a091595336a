package io.tessera.tensor.cpu.simd;

import io.tessera.tensor.Shape;
import io.tessera.tensor.Tensor;
import io.tessera.tensor.cpu.Broadcast;
import io.tessera.tensor.cpu.RefElementwise;
import io.tessera.tensor.spi.BinaryOp;
import jdk.incubator.vector.VectorSpecies;

/**
 * F32 binary ops with NumPy broadcasting and their backward. The output is walked in segments
 * along which each operand is either contiguous or constant ({@link ElementwiseBroadcast}), so
 * same shapes, biases (…, D) + (D), per-row values (N, 1), scalars and (B, 1, D) all run as
 * vector loops; other broadcasts take a scalar path over index maps. Backward reduces to the
 * operand's shape with the deterministic {@link SimdReduce} sums.
 */
final class ElementwiseBinary {
    /**
     * The whole-vector loops of a segment ({@link BinaryLoops}, one copy per width): l is a
     * multiple of the lane count, a constant operand (aVec or bVec false) is read at index 0.
     */
    interface Loops {
        /** o[i] (+)= a[i] ∘ b[i]. */
        void forward(BinaryOp op, float[] o, int oo, float[] a, int ao, boolean aVec, float[] b, int bo, boolean bVec, int l, boolean acc);

        /** o[i] (+)= g[i]·∂(a ∘ b)/∂a (forA) or ∂/∂b, for ADD, SUB, MUL, DIV. */
        void gradArith(BinaryOp op, boolean forA, float[] o, int oo, float[] g, int go,
                       float[] a, int ao, boolean aVec, float[] b, int bo, boolean bVec, int l, boolean acc);

        /** o[i] (+)= g[i] where a wins (forA) or where b wins, for MAX (ties go to a) or MIN. */
        void gradSelect(boolean max, boolean forA, float[] o, int oo, float[] g, int go,
                        float[] a, int ao, boolean aVec, float[] b, int bo, boolean bVec, int l, boolean acc);
    }

    private static final Loops[] LOOPS = WidthCopies.all(Loops.class, "BinaryLoops", Loops[]::new);

    /** Per-calling-thread room for dy·∂ before it is summed down, grown on demand and reused. */
    private static final ThreadLocal<float[]> PRODUCT = ThreadLocal.withInitial(() -> new float[0]);

    private ElementwiseBinary() {
    }

    private static float[] product(int size) {
        float[] s = PRODUCT.get();
        if (s.length < size) {
            s = new float[size];
            PRODUCT.set(s);
        }
        return s;
    }

    /** What a segment computes: the op itself, or dy times the partial derivative for a or b. */
    private enum Mode { FORWARD, GRAD_A, GRAD_B }

    static void forward(SimdContext sc, BinaryOp op, Tensor out, Tensor a, Tensor b) {
        checkShapes("binary " + op, out.shape(), a, b);
        if (!ElementwiseLoops.allF32(out, a, b)) {
            RefElementwise.binary(op, out, a, b);
            return;
        }
        run(sc, op, Mode.FORWARD, out.shape(), out.f32(), out.offset(), null, a, b, false);
    }

    static void backward(SimdContext sc, BinaryOp op, Tensor da, Tensor db, Tensor dy, Tensor a, Tensor b) {
        checkShapes("binaryBackward " + op, dy.shape(), a, b);
        if (da != null && !da.shape().equals(a.shape()) || db != null && !db.shape().equals(b.shape())) {
            throw new IllegalArgumentException("binaryBackward " + op + ": gradients " + (da == null ? "-" : da.shape()) + ", "
                    + (db == null ? "-" : db.shape()) + " do not match operands " + a.shape() + ", " + b.shape());
        }
        if (!ElementwiseLoops.allF32(da, db, dy, a, b)) {
            RefElementwise.binaryBackward(op, da, db, dy, a, b);
            return;
        }
        if (da != null) operandGrad(sc, op, Mode.GRAD_A, da, dy, a, b);
        if (db != null) operandGrad(sc, op, Mode.GRAD_B, db, dy, a, b);
    }

    /** Accumulates one operand's gradient. */
    private static void operandGrad(SimdContext sc, BinaryOp op, Mode mode, Tensor grad, Tensor dy, Tensor a, Tensor b) {
        Shape ys = dy.shape();
        boolean linear = op == BinaryOp.ADD || op == BinaryOp.SUB;
        if (linear) { // ∂ is ±1: reduce dy directly; a and b are not read (their data may have been freed)
            double sign = op == BinaryOp.SUB && mode == Mode.GRAD_B ? -1 : 1;
            SimdReduce.sumTo(sc, dy.f32(), dy.offset(), ys, grad.f32(), grad.offset(), grad.shape(), sign, true);
            return;
        }
        ElementwiseBroadcast bc = ElementwiseBroadcast.of(ys, grad.shape());
        if (bc != null && bc.full()) { // same size: accumulate dy·∂ in place
            run(sc, op, mode, ys, grad.f32(), grad.offset(), dy, a, b, true);
            return;
        }
        float[] g = product(ys.size()); // fully written by run
        run(sc, op, mode, ys, g, 0, dy, a, b, false);
        SimdReduce.sumTo(sc, g, 0, ys, grad.f32(), grad.offset(), grad.shape(), 1.0, true);
    }

    /**
     * Computes o (+)= kernel over the broadcast shape {@code os}: a ∘ b (FORWARD) or dy·∂/∂a,
     * dy·∂/∂b (GRAD modes, dy of shape os).
     */
    private static void run(SimdContext sc, BinaryOp op, Mode mode, Shape os, float[] o, int oo, Tensor dy,
                            Tensor a, Tensor b, boolean acc) {
        int n = os.size();
        ElementwiseBroadcast ba = ElementwiseBroadcast.of(os, a.shape()), bb = ElementwiseBroadcast.of(os, b.shape());
        float[] av = a.f32(), bv = b.f32(), g = dy == null ? null : dy.f32();
        int ao = a.offset(), bo = b.offset(), go = dy == null ? 0 : dy.offset();
        if (ba == null || bb == null) {
            int[] ma = Broadcast.indexMap(os, a.shape()), mb = Broadcast.indexMap(os, b.shape());
            for (int f = 0; f < n; f++) {
                float x = av[ao + ma[f]], y = bv[bo + mb[f]];
                float r = mode == Mode.FORWARD ? scalar(op, x, y) : g[go + f] * partial(op, mode, x, y);
                o[oo + f] = acc ? o[oo + f] + r : r;
            }
            return;
        }
        int len = Math.min(ba.run(n), bb.run(n));
        VectorSpecies<Float> sp = sc.species();
        ElementwiseLoops.forRange(sc, n, (from, to) -> {
            for (int f = from; f < to; ) {
                int l = Math.min(len - f % len, to - f);
                segment(sp, op, mode, o, oo + f, g, go + f, av, ao + ba.index(f), ba.contiguous(),
                        bv, bo + bb.index(f), bb.contiguous(), l, acc);
                f += l;
            }
        });
    }

    /**
     * One segment of length l, each operand contiguous or constant: whole vectors in the loops
     * of the context's width, then a scalar tail.
     */
    private static void segment(VectorSpecies<Float> sp, BinaryOp op, Mode mode, float[] o, int oo, float[] g, int go,
                                float[] a, int ao, boolean aVec, float[] b, int bo, boolean bVec, int l, boolean acc) {
        int whole = l - l % sp.length();
        if (whole > 0) {
            Loops k = LOOPS[WidthCopies.index(sp)];
            if (mode == Mode.FORWARD) {
                k.forward(op, o, oo, a, ao, aVec, b, bo, bVec, whole, acc);
            } else if (op == BinaryOp.MAX || op == BinaryOp.MIN) {
                k.gradSelect(op == BinaryOp.MAX, mode == Mode.GRAD_A, o, oo, g, go, a, ao, aVec, b, bo, bVec, whole, acc);
            } else {
                k.gradArith(op, mode == Mode.GRAD_A, o, oo, g, go, a, ao, aVec, b, bo, bVec, whole, acc);
            }
        }
        for (int i = whole; i < l; i++) {
            float x = a[ao + (aVec ? i : 0)], y = b[bo + (bVec ? i : 0)];
            float r = mode == Mode.FORWARD ? scalar(op, x, y) : g[go + i] * partial(op, mode, x, y);
            o[oo + i] = acc ? o[oo + i] + r : r;
        }
    }

    private static float scalar(BinaryOp op, float x, float y) {
        return switch (op) {
            case ADD -> x + y;
            case SUB -> x - y;
            case MUL -> x * y;
            case DIV -> x / y;
            case MAX -> x >= y ? x : y;
            case MIN -> x <= y ? x : y;
        };
    }

    private static float partial(BinaryOp op, Mode mode, float x, float y) {
        boolean forA = mode == Mode.GRAD_A;
        return switch (op) {
            case ADD -> 1f;
            case SUB -> forA ? 1f : -1f;
            case MUL -> forA ? y : x;
            case DIV -> forA ? 1f / y : -(x / y) / y;
            case MAX -> (x >= y) == forA ? 1f : 0f;
            case MIN -> (x <= y) == forA ? 1f : 0f;
        };
    }

    private static void checkShapes(String op, Shape out, Tensor a, Tensor b) {
        Shape s = Shape.broadcast(a.shape(), b.shape());
        if (!s.equals(out)) {
            throw new IllegalArgumentException(op + ": operands " + a.describe() + " and " + b.describe()
                    + " broadcast to " + s + ", but the output is " + out);
        }
    }
}
