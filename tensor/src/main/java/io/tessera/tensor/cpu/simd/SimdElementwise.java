package io.tessera.tensor.cpu.simd;

import io.tessera.tensor.Tensor;
import io.tessera.tensor.cpu.RefElementwise;
import io.tessera.tensor.spi.BinaryOp;
import io.tessera.tensor.spi.UnaryOp;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API kernels for F32 elementwise ops: unary functions and their backward, binary ops
 * with broadcasting (in {@link ElementwiseBinary}), affine maps and accumulation. Loops are
 * width-agnostic with a masked tail; large arrays are split in fixed chunks over threads.
 * Contracts as in {@link io.tessera.tensor.spi.Backend}; the reference is {@link RefElementwise}.
 */
public final class SimdElementwise {
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
        boolean math = op == UnaryOp.EXP || op == UnaryOp.LOG || op == UnaryOp.TANH || op == UnaryOp.GELU;
        ElementwiseLoops.forRange(sc, out.size(), (from, to) -> {
            if (math) {
                mathForward(sp, op, xs, xo, o, oo, from, to);
                return;
            }
            int w = sp.length();
            for (int i = from; i < to; i += w) {
                boolean whole = i + w <= to;
                VectorMask<Float> m = whole ? null : sp.indexInRange(i, to);
                FloatVector v = whole ? FloatVector.fromArray(sp, xs, xo + i) : FloatVector.fromArray(sp, xs, xo + i, m);
                FloatVector r = switch (op) {
                    case NEG -> v.neg();
                    case SQRT -> v.sqrt();
                    case RSQRT -> FloatVector.broadcast(sp, 1f).div(v.sqrt());
                    case ABS -> v.abs();
                    case SQUARE -> v.mul(v);
                    case RELU -> v.blend(0f, v.compare(VectorOperators.GT, 0f).not());
                    default -> throw new IllegalStateException(op + " needs vector math");
                };
                if (whole) r.intoArray(o, oo + i);
                else r.intoArray(o, oo + i, m);
            }
        });
    }

    /** dx += dy · f'(x) (f' from y = f(x) where that is cheaper); a null dx does nothing. */
    public static void unaryBackward(SimdContext sc, UnaryOp op, Tensor dx, Tensor dy, Tensor x, Tensor y) {
        if (dx == null) return;
        ElementwiseLoops.sameSize("unaryBackward " + op, dx, dy);
        if (!ElementwiseLoops.allF32(dx, dy, x, y)) {
            RefElementwise.unaryBackward(op, dx, dy, x, y);
            return;
        }
        float[] d = dx.f32(), g = dy.f32(), xs = x.f32(), ys = y.f32();
        int dOff = dx.offset(), gOff = dy.offset(), xOff = x.offset(), yOff = y.offset();
        VectorSpecies<Float> sp = sc.species();
        ElementwiseLoops.forRange(sc, dx.size(), (from, to) -> {
            if (op == UnaryOp.GELU) {
                geluBackward(sp, d, dOff, g, gOff, xs, xOff, from, to);
                return;
            }
            int w = sp.length();
            for (int i = from; i < to; i += w) {
                boolean whole = i + w <= to;
                VectorMask<Float> m = whole ? null : sp.indexInRange(i, to);
                FloatVector gv = whole ? FloatVector.fromArray(sp, g, gOff + i) : FloatVector.fromArray(sp, g, gOff + i, m);
                FloatVector xv = whole ? FloatVector.fromArray(sp, xs, xOff + i) : FloatVector.fromArray(sp, xs, xOff + i, m);
                FloatVector yv = whole ? FloatVector.fromArray(sp, ys, yOff + i) : FloatVector.fromArray(sp, ys, yOff + i, m);
                FloatVector r = switch (op) {
                    case NEG -> gv.neg();
                    case EXP -> gv.mul(yv);
                    case LOG -> gv.div(xv);
                    case SQRT -> gv.mul(0.5f).div(yv);
                    case RSQRT -> gv.mul(yv.mul(yv).mul(yv)).mul(-0.5f);
                    case ABS -> gv.blend(gv.neg(), xv.compare(VectorOperators.LT, 0f)).blend(0f, xv.compare(VectorOperators.EQ, 0f));
                    case SQUARE -> gv.mul(xv.add(xv));
                    case RELU -> gv.blend(0f, xv.compare(VectorOperators.GT, 0f).not());
                    case TANH -> gv.mul(yv.lanewise(VectorOperators.FMA, yv.neg(), 1f));
                    case GELU -> throw new IllegalStateException("GELU backward needs vector math");
                };
                if (whole) FloatVector.fromArray(sp, d, dOff + i).add(r).intoArray(d, dOff + i);
                else FloatVector.fromArray(sp, d, dOff + i, m).add(r).intoArray(d, dOff + i, m);
            }
        });
    }

    /** EXP, LOG, TANH, GELU over [from, to): whole blocks in place, the tail through padded copies. */
    private static void mathForward(VectorSpecies<Float> sp, UnaryOp op, float[] x, int xo, float[] o, int oo, int from, int to) {
        float[] scratch = new float[VectorMath.BLOCK];
        int main = from + sp.loopBound(to - from);
        for (int s = from; s < main; s += VectorMath.BLOCK) {
            math(sp, op, x, xo + s, o, oo + s, Math.min(VectorMath.BLOCK, main - s), scratch);
        }
        if (main < to) {
            int w = sp.length(), r = to - main;
            float[] tx = new float[w], ty = new float[w];
            java.util.Arrays.fill(tx, 1f);
            System.arraycopy(x, xo + main, tx, 0, r);
            math(sp, op, tx, 0, ty, 0, w, scratch);
            System.arraycopy(ty, 0, o, oo + main, r);
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
        float[] scratch = new float[VectorMath.BLOCK];
        int main = from + sp.loopBound(to - from);
        for (int s = from; s < main; s += VectorMath.BLOCK) {
            VectorMath.geluBackward(sp, d, dOff + s, g, gOff + s, x, xOff + s, Math.min(VectorMath.BLOCK, main - s), scratch);
        }
        if (main < to) {
            int w = sp.length(), r = to - main;
            float[] td = new float[w], tg = new float[w], tx = new float[w];
            System.arraycopy(d, dOff + main, td, 0, r);
            System.arraycopy(g, gOff + main, tg, 0, r);
            System.arraycopy(x, xOff + main, tx, 0, r);
            VectorMath.geluBackward(sp, td, 0, tg, 0, tx, 0, w, scratch);
            System.arraycopy(td, 0, d, dOff + main, r);
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
        VectorSpecies<Float> sp = sc.species();
        ElementwiseLoops.forRange(sc, out.size(), (from, to) -> {
            int i = from, bound = from + sp.loopBound(to - from);
            for (; i < bound; i += sp.length()) {
                FloatVector.fromArray(sp, xs, xo + i).lanewise(VectorOperators.FMA, al, be).intoArray(o, oo + i);
            }
            for (; i < to; i++) o[oo + i] = Math.fma(xs[xo + i], al, be);
        });
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
        VectorSpecies<Float> sp = sc.species();
        ElementwiseLoops.forRange(sc, n, (from, to) -> {
            int i = from, bound = from + sp.loopBound(to - from);
            if (alpha == 1f) {
                for (; i < bound; i += sp.length()) {
                    FloatVector.fromArray(sp, y, yo + i).add(FloatVector.fromArray(sp, x, xo + i)).intoArray(y, yo + i);
                }
                for (; i < to; i++) y[yo + i] += x[xo + i];
            } else {
                for (; i < bound; i += sp.length()) {
                    FloatVector.fromArray(sp, x, xo + i).lanewise(VectorOperators.FMA, alpha, FloatVector.fromArray(sp, y, yo + i)).intoArray(y, yo + i);
                }
                for (; i < to; i++) y[yo + i] = Math.fma(x[xo + i], alpha, y[yo + i]);
            }
        });
    }
}
