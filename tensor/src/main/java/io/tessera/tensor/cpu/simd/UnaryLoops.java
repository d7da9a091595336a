package io.tessera.tensor.cpu.simd;

import io.tessera.tensor.spi.UnaryOp;
import java.lang.invoke.MethodHandles;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The loops of {@link SimdElementwise} (simple unary ops and their backward, affine maps,
 * accumulation), defined once per vector width by {@link WidthCopies} so that the species S is
 * a constant. Whole vectors, then a scalar tail with the same operations. Not used directly:
 * only its per-width copies run.
 */
final class UnaryLoops implements SimdElementwise.Loops {
    private static final VectorSpecies<Float> S = WidthCopies.species(MethodHandles.lookup());

    UnaryLoops() {
    }

    @Override
    public void unary(UnaryOp op, float[] x, int xo, float[] o, int oo, int from, int to) {
        int i = from;
        for (int bound = from + S.loopBound(to - from); i < bound; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            FloatVector r = switch (op) {
                case NEG -> v.neg();
                case SQRT -> v.sqrt();
                case RSQRT -> v.broadcast(1f).div(v.sqrt());
                case ABS -> v.abs();
                case SQUARE -> v.mul(v);
                case RELU -> v.blend(0f, v.compare(VectorOperators.GT, 0f).not());
                default -> throw new IllegalStateException(op + " needs vector math");
            };
            r.intoArray(o, oo + i);
        }
        for (; i < to; i++) o[oo + i] = SimdElementwise.scalar(op, x[xo + i]);
    }

    @Override
    public void unaryBackward(UnaryOp op, float[] d, int dOff, float[] g, int gOff, float[] x, int xOff, float[] y, int yOff,
                              int from, int to) {
        int i = from;
        for (int bound = from + S.loopBound(to - from); i < bound; i += S.length()) {
            FloatVector gv = FloatVector.fromArray(S, g, gOff + i);
            FloatVector xv = FloatVector.fromArray(S, x, xOff + i);
            FloatVector yv = FloatVector.fromArray(S, y, yOff + i);
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
            FloatVector.fromArray(S, d, dOff + i).add(r).intoArray(d, dOff + i);
        }
        for (; i < to; i++) d[dOff + i] += SimdElementwise.scalarGrad(op, g[gOff + i], x[xOff + i], y[yOff + i]);
    }

    @Override
    public void affine(float[] x, int xo, float[] o, int oo, float alpha, float beta, int from, int to) {
        int i = from;
        for (int bound = from + S.loopBound(to - from); i < bound; i += S.length()) {
            FloatVector.fromArray(S, x, xo + i).lanewise(VectorOperators.FMA, alpha, beta).intoArray(o, oo + i);
        }
        for (; i < to; i++) o[oo + i] = Math.fma(x[xo + i], alpha, beta);
    }

    @Override
    public void axpy(float alpha, float[] x, int xo, float[] y, int yo, int from, int to) {
        int i = from, bound = from + S.loopBound(to - from);
        if (alpha == 1f) {
            for (; i < bound; i += S.length()) {
                FloatVector.fromArray(S, y, yo + i).add(FloatVector.fromArray(S, x, xo + i)).intoArray(y, yo + i);
            }
            for (; i < to; i++) y[yo + i] += x[xo + i];
        } else {
            for (; i < bound; i += S.length()) {
                FloatVector.fromArray(S, x, xo + i).lanewise(VectorOperators.FMA, alpha, FloatVector.fromArray(S, y, yo + i)).intoArray(y, yo + i);
            }
            for (; i < to; i++) y[yo + i] = Math.fma(x[xo + i], alpha, y[yo + i]);
        }
    }
}
