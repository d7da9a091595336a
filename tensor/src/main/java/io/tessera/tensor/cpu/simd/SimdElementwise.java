package io.tessera.tensor.cpu.simd;

import io.tessera.tensor.Tensor;
import io.tessera.tensor.cpu.RefElementwise;
import io.tessera.tensor.spi.BinaryOp;
import io.tessera.tensor.spi.UnaryOp;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API kernels for F32 elementwise ops: unary functions and their backward, binary ops
 * with broadcasting (in {@link ElementwiseBinary}), affine maps and accumulation. Loops are
 * width-agnostic with a scalar tail, their vector parts in per-width copies ({@link UnaryLoops});
 * large arrays are split in fixed chunks over threads.
 * Contracts as in {@link io.tessera.tensor.spi.Backend}; the reference is {@link RefElementwise}.
 */
public final class SimdElementwise {
    /** The loops of this class ({@link UnaryLoops}, one copy per width) over flat ranges [from, to). */
    interface Loops {
        /** o = f(x) for NEG, SQRT, RSQRT, ABS, SQUARE, RELU. */
        void unary(UnaryOp op, float[] x, int xo, float[] o, int oo, int from, int to);

        /** d += g·f'(x) (from y = f(x) where cheaper) for every op but GELU. */
        void unaryBackward(UnaryOp op, float[] d, int dOff, float[] g, int gOff, float[] x, int xOff, float[] y, int yOff, int from, int to);

        /** o = fma(x, alpha, beta). */
        void affine(float[] x, int xo, float[] o, int oo, float alpha, float beta, int from, int to);

        /** y += alpha·x (y + x when alpha is 1). */
        void axpy(float alpha, float[] x, int xo, float[] y, int yo, int from, int to);
    }

    private static final Loops[] LOOPS = WidthCopies.all(Loops.class, "UnaryLoops", Loops[]::new);

    /** Room for one vector of up to 2048 bits. */
    private static final int TAIL = 64;
    /** Per-thread scratch for the vector-math kernels: a block, then three padded tails. */
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[VectorMath.BLOCK + 3 * TAIL]);

    private SimdElementwise() {
    }

    /** out = f(x), same size. */
    public static void unary(SimdContext sc, UnaryOp op, Tensor out, Tensor x) {
        ElementwiseLoops.sameSize("unary " + op, out, x);
        if (!ElementwiseLoops.allF32(out, x)) {
            RefElementwise.unary(op, out, x);
            return;
        }
        float[] o = out.f32(), xs = x.f32();
        int oo = out.offset(), xo = x.offset();
        VectorSpecies<Float> sp = sc.species();
        Loops k = LOOPS[WidthCopies.index(sp)];
        boolean math = op == UnaryOp.EXP || op == UnaryOp.LOG || op == UnaryOp.TANH || op == UnaryOp.GELU;
        ElementwiseLoops.forRange(sc, out.size(), (from, to) -> {
            if (math) mathForward(sp, op, xs, xo, o, oo, from, to);
            else k.unary(op, xs, xo, o, oo, from, to);
        });
    }

    /** f(v) in scalar code, as the vector lanes compute it (tails of {@link UnaryLoops}). */
    static float scalar(UnaryOp op, float v) {
        return switch (op) {
            case NEG -> -v;
            case SQRT -> (float) Math.sqrt(v);
            case RSQRT -> 1f / (float) Math.sqrt(v);
            case ABS -> Math.abs(v);
            case SQUARE -> v * v;
            case RELU -> v > 0f ? v : 0f;
            default -> throw new IllegalStateException(op + " needs vector math");
        };
    }

    /** g·f'(x) in scalar code, as the vector lanes compute it (tails of {@link UnaryLoops}). */
    static float scalarGrad(UnaryOp op, float g, float x, float y) {
        return switch (op) {
            case NEG -> -g;
            case EXP -> g * y;
            case LOG -> g / x;
            case SQRT -> g * 0.5f / y;
            case RSQRT -> g * (y * y * y) * -0.5f;
            case ABS -> x == 0f ? 0f : x < 0f ? -g : g;
            case SQUARE -> g * (x + x);
            case RELU -> x > 0f ? g : 0f;
            case TANH -> g * Math.fma(y, -y, 1f);
            case GELU -> throw new IllegalStateException("GELU backward needs vector math");
        };
    }

    /** dx += dy · f'(x) (f' from y = f(x) where that is cheaper); a null dx does nothing. */
    public static void unaryBackward(SimdContext sc, UnaryOp op, Tensor dx, Tensor dy, Tensor x, Tensor y) {
        if (dx == null) return;
        ElementwiseLoops.sameSize("unaryBackward " + op, dx, dy);
        if (!ElementwiseLoops.allF32(dx, dy, x, y)) {
            RefElementwise.unaryBackward(op, dx, dy, x, y);
            return;
        }
        // Only the operand the derivative needs is read (the other may have been freed); the loops
        // load both, so the unused one is stood in for by dy, whose values they then ignore.
        boolean needsX = op != UnaryOp.NEG && !op.backwardUsesOutput(), needsY = op.backwardUsesOutput();
        float[] d = dx.f32(), g = dy.f32(), xs = needsX ? x.f32() : g, ys = needsY ? y.f32() : g;
        int dOff = dx.offset(), gOff = dy.offset(), xOff = needsX ? x.offset() : gOff, yOff = needsY ? y.offset() : gOff;
        VectorSpecies<Float> sp = sc.species();
        Loops k = LOOPS[WidthCopies.index(sp)];
        ElementwiseLoops.forRange(sc, dx.size(), (from, to) -> {
            if (op == UnaryOp.GELU) geluBackward(sp, d, dOff, g, gOff, xs, xOff, from, to);
            else k.unaryBackward(op, d, dOff, g, gOff, xs, xOff, ys, yOff, from, to);
        });
    }

    /** EXP, LOG, TANH, GELU over [from, to): whole blocks in place, the tail through padded copies. */
    private static void mathForward(VectorSpecies<Float> sp, UnaryOp op, float[] x, int xo, float[] o, int oo, int from, int to) {
        float[] scratch = SCRATCH.get();
        int main = from + sp.loopBound(to - from);
        for (int s = from; s < main; s += VectorMath.BLOCK) {
            math(sp, op, x, xo + s, o, oo + s, Math.min(VectorMath.BLOCK, main - s), scratch);
        }
        if (main < to) {
            int w = sp.length(), r = to - main, tx = VectorMath.BLOCK, ty = tx + TAIL;
            java.util.Arrays.fill(scratch, tx, tx + w, 1f);
            System.arraycopy(x, xo + main, scratch, tx, r);
            math(sp, op, scratch, tx, scratch, ty, w, scratch);
            System.arraycopy(scratch, ty, o, oo + main, r);
        }
    }

    private static void math(VectorSpecies<Float> sp, UnaryOp op, float[] x, int xo, float[] y, int yo, int n, float[] scratch) {
        switch (op) {
            case EXP -> VectorMath.exp(sp, x, xo, y, yo, n);
            case LOG -> VectorMath.log(sp, x, xo, y, yo, n);
            case TANH -> VectorMath.tanh(sp, x, xo, y, yo, n, scratch);
            case GELU -> VectorMath.gelu(sp, x, xo, y, yo, n, scratch);
            default -> throw new IllegalStateException("no vector-math kernel for " + op);
        }
    }

    /** dx += dy·GELU'(x) over [from, to), the tail through padded copies. */
    private static void geluBackward(VectorSpecies<Float> sp, float[] d, int dOff, float[] g, int gOff, float[] x, int xOff,
                                     int from, int to) {
        float[] scratch = SCRATCH.get();
        int main = from + sp.loopBound(to - from);
        for (int s = from; s < main; s += VectorMath.BLOCK) {
            VectorMath.geluBackward(sp, d, dOff + s, g, gOff + s, x, xOff + s, Math.min(VectorMath.BLOCK, main - s), scratch);
        }
        if (main < to) {
            int w = sp.length(), r = to - main, td = VectorMath.BLOCK, tg = td + TAIL, tx = tg + TAIL;
            java.util.Arrays.fill(scratch, td, tx + TAIL, 0f);
            System.arraycopy(d, dOff + main, scratch, td, r);
            System.arraycopy(g, gOff + main, scratch, tg, r);
            System.arraycopy(x, xOff + main, scratch, tx, r);
            VectorMath.geluBackward(sp, scratch, td, scratch, tg, scratch, tx, w, scratch);
            System.arraycopy(scratch, td, d, dOff + main, r);
        }
    }

    /** out = a ∘ b with NumPy broadcasting. */
    public static void binary(SimdContext sc, BinaryOp op, Tensor out, Tensor a, Tensor b) {
        ElementwiseBinary.forward(sc, op, out, a, b);
    }

    /** da += Σ dy·∂(a∘b)/∂a down to a's shape, likewise db; either may be null. */
    public static void binaryBackward(SimdContext sc, BinaryOp op, Tensor da, Tensor db, Tensor dy, Tensor a, Tensor b) {
        ElementwiseBinary.backward(sc, op, da, db, dy, a, b);
    }

    /** out = alpha·x + beta (alpha and beta rounded to float). */
    public static void affine(SimdContext sc, Tensor out, Tensor x, double alpha, double beta) {
        ElementwiseLoops.sameSize("affine", out, x);
        if (!ElementwiseLoops.allF32(out, x)) {
            RefElementwise.affine(out, x, alpha, beta);
            return;
        }
        float[] o = out.f32(), xs = x.f32();
        int oo = out.offset(), xo = x.offset();
        float al = (float) alpha, be = (float) beta;
        Loops k = LOOPS[WidthCopies.index(sc.species())];
        ElementwiseLoops.forRange(sc, out.size(), (from, to) -> k.affine(xs, xo, o, oo, al, be, from, to));
    }

    /** dst += alpha·src (same size); a null dst does nothing. */
    public static void accumulate(SimdContext sc, Tensor dst, Tensor src, double alpha) {
        if (dst == null) return;
        ElementwiseLoops.sameSize("accumulate", dst, src);
        if (!ElementwiseLoops.allF32(dst, src)) {
            RefElementwise.accumulate(dst, src, alpha);
            return;
        }
        axpy(sc, dst.size(), (float) alpha, src.f32(), src.offset(), dst.f32(), dst.offset());
    }

    /** y[yo + i] += alpha·x[xo + i] for i in [0, n). */
    static void axpy(SimdContext sc, int n, float alpha, float[] x, int xo, float[] y, int yo) {
        Loops k = LOOPS[WidthCopies.index(sc.species())];
        ElementwiseLoops.forRange(sc, n, (from, to) -> k.axpy(alpha, x, xo, y, yo, from, to));
    }
}
