package io.tessera.tensor.cpu.simd;

import io.tessera.tensor.spi.BinaryOp;
import java.lang.invoke.MethodHandles;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The whole-vector loops of {@link ElementwiseBinary}, defined once per vector width by
 * {@link WidthCopies} so that the species S is a constant: forward ops and the operand
 * gradients. The op is switched inside the loop body, so no vector crosses a call. Not used
 * directly: only its per-width copies run.
 */
final class BinaryLoops implements ElementwiseBinary.Loops {
    private static final VectorSpecies<Float> S = WidthCopies.species(MethodHandles.lookup());

    BinaryLoops() {
    }

    /** o[i] (+)= a[i] ∘ b[i]. */
    public void forward(BinaryOp op, float[] o, int oo,
                        float[] a, int ao, boolean aVec, float[] b, int bo, boolean bVec, int l, boolean acc) {
        FloatVector aConst = FloatVector.broadcast(S, a[ao]), bConst = FloatVector.broadcast(S, b[bo]);
        for (int i = 0; i < l; i += S.length()) {
            FloatVector x = aVec ? FloatVector.fromArray(S, a, ao + i) : aConst;
            FloatVector y = bVec ? FloatVector.fromArray(S, b, bo + i) : bConst;
            FloatVector r = switch (op) {
                case ADD -> x.add(y);
                case SUB -> x.sub(y);
                case MUL -> x.mul(y);
                case DIV -> x.div(y);
                case MAX -> y.blend(x, x.compare(VectorOperators.GE, y));
                case MIN -> y.blend(x, x.compare(VectorOperators.LE, y));
            };
            if (acc) r = r.add(FloatVector.fromArray(S, o, oo + i));
            r.intoArray(o, oo + i);
        }
    }

    /**
     * o[i] (+)= g[i]·∂(a ∘ b)/∂a (forA) or ∂/∂b for ADD, SUB, MUL, DIV: g times the partial as
     * the scalar code forms it (1/y, not g/y), so lanes and tails give the same bits.
     */
    public void gradArith(BinaryOp op, boolean forA, float[] o, int oo, float[] g, int go,
                          float[] a, int ao, boolean aVec, float[] b, int bo, boolean bVec, int l, boolean acc) {
        FloatVector aConst = FloatVector.broadcast(S, a[ao]), bConst = FloatVector.broadcast(S, b[bo]);
        for (int i = 0; i < l; i += S.length()) {
            FloatVector x = aVec ? FloatVector.fromArray(S, a, ao + i) : aConst;
            FloatVector y = bVec ? FloatVector.fromArray(S, b, bo + i) : bConst;
            FloatVector gv = FloatVector.fromArray(S, g, go + i);
            FloatVector r = switch (op) {
                case ADD -> gv;
                case SUB -> forA ? gv : gv.mul(-1f);
                case MUL -> gv.mul(forA ? y : x);
                default -> gv.mul(forA ? y.broadcast(1f).div(y) : x.div(y).div(y).neg()); // DIV
            };
            if (acc) r = r.add(FloatVector.fromArray(S, o, oo + i));
            r.intoArray(o, oo + i);
        }
    }

    /** o[i] (+)= g[i]·1 where a wins (forA) or where b wins, g[i]·0 elsewhere; MAX (ties go to a) and MIN. */
    public void gradSelect(boolean max, boolean forA, float[] o, int oo, float[] g, int go,
                           float[] a, int ao, boolean aVec, float[] b, int bo, boolean bVec, int l, boolean acc) {
        FloatVector aConst = FloatVector.broadcast(S, a[ao]), bConst = FloatVector.broadcast(S, b[bo]);
        for (int i = 0; i < l; i += S.length()) {
            FloatVector x = aVec ? FloatVector.fromArray(S, a, ao + i) : aConst;
            FloatVector y = bVec ? FloatVector.fromArray(S, b, bo + i) : bConst;
            FloatVector gv = FloatVector.fromArray(S, g, go + i), zero = gv.broadcast(0f), one = gv.broadcast(1f);
            VectorMask<Float> aWins = x.compare(max ? VectorOperators.GE : VectorOperators.LE, y);
            FloatVector r = gv.mul(forA ? zero.blend(one, aWins) : one.blend(zero, aWins));
            if (acc) r = r.add(FloatVector.fromArray(S, o, oo + i));
            r.intoArray(o, oo + i);
        }
    }
}
