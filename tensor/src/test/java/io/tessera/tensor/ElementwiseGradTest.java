package io.tessera.tensor;

import io.tessera.tensor.spi.BinaryOp;
import io.tessera.tensor.spi.UnaryOp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.function.DoubleUnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * float64 finite-difference gradient checks through {@link Ops} on the reference backend for
 * every unary op (inputs kept away from kinks and poles), every binary op with broadcasting in
 * both directions, and affine; full Jacobians on tiny shapes, one directional derivative on a
 * larger one.
 */
class ElementwiseGradTest {
    private final ExecutionContext ctx = ExecutionContext.reference(11);

    /** A persistent F64 tensor: seeded normals mapped through f. */
    private Tensor input(long seed, DoubleUnaryOperator f, int... dims) {
        Tensor t = GradCheck.randn(ctx, seed, dims);
        double[] d = t.f64();
        for (int i = 0; i < t.size(); i++) d[i] = f.applyAsDouble(d[i]);
        return t;
    }

    /** Away from 0 (for |x| and relu's kink) by at least 0.2. */
    private static double awayFromZero(double v) {
        return v + Math.copySign(0.2, v);
    }

    private static DoubleUnaryOperator domain(UnaryOp op) {
        return switch (op) {
            case LOG, SQRT, RSQRT -> v -> Math.abs(v) + 0.5;
            case ABS, RELU -> ElementwiseGradTest::awayFromZero;
            default -> v -> v * 1.5;
        };
    }

    @ParameterizedTest
    @EnumSource(UnaryOp.class)
    void unaryGradients(UnaryOp op) {
        Tensor x = input(op.ordinal(), domain(op), 2, 3);
        GradCheck.full(ctx, (o, in) -> o.unary(op, in[0]), x);
        Tensor big = input(100 + op.ordinal(), domain(op), 17, 33);
        GradCheck.directional(ctx, (o, in) -> o.unary(op, in[0]), op.ordinal(), 1e-6, big);
    }

    /** Operand shape pairs: same, bias, bias first, outer product, scalar (rank 0) both ways. */
    private static final int[][][] PAIRS = {{{2, 3}, {2, 3}}, {{2, 3}, {3}}, {{3}, {2, 3}}, {{2, 1}, {1, 3}}, {{}, {2, 3}}, {{2, 3}, {}},
            {{2, 1, 3}, {2, 4, 1}}};

    @ParameterizedTest
    @EnumSource(BinaryOp.class)
    void binaryGradientsWithBroadcasting(BinaryOp op) {
        for (int[][] p : PAIRS) {
            Tensor a = input(1 + p[0].length, v -> v, p[0]);
            // b away from 0 for DIV; MAX and MIN: a ≠ b almost surely, a gap of 0.05 keeps differences off ties
            Tensor b = input(7 + p[1].length, op == BinaryOp.DIV ? ElementwiseGradTest::awayFromZero : v -> v + 0.05, p[1]);
            GradCheck.full(ctx, (o, in) -> o.binary(op, in[0], in[1]), a, b);
        }
        Tensor a = input(3, v -> v, 16, 24), b = input(4, op == BinaryOp.DIV ? ElementwiseGradTest::awayFromZero : v -> v + 0.05, 24);
        GradCheck.directional(ctx, (o, in) -> o.binary(op, in[0], in[1]), 5, 1e-6, a, b);
    }

    @Test
    void affineGradients() {
        Tensor x = input(21, v -> v, 3, 2);
        GradCheck.full(ctx, (o, in) -> o.affine(in[0], -1.25, 0.5), x);
        GradCheck.full(ctx, (o, in) -> o.addScalar(o.scale(in[0], 3), 1), x);
    }

    @Test
    void backwardTwiceGivesTwiceTheGradient() {
        for (ExecutionContext c : new ExecutionContext[]{ctx, ExecutionContext.cpu(2, 3)}) {
            DType t = c.backend() instanceof io.tessera.tensor.cpu.CpuBackend ? DType.F32 : DType.F64;
            Ops o = c.ops();
            Tensor x = o.randn(new Rng(1), Shape.of(4, 6), t).requiresGrad(true);
            Tensor w = o.randn(new Rng(2), Shape.of(6), t).requiresGrad(true);
            double[] once = null;
            for (int pass = 1; pass <= 2; pass++) {
                try (Scope s = c.openScope(); Tape tape = c.record()) {
                    Tensor y = o.gelu(o.add(o.mul(x, w), o.tanh(x)));
                    tape.backward(o.sum(o.square(y)));
                }
                if (pass == 1) once = w.grad().toDoubleArray();
            }
            double[] twice = w.grad().toDoubleArray(), twiceX = x.grad().toDoubleArray();
            for (int i = 0; i < once.length; i++) {
                assertThat(twice[i]).as("dw[%d] on %s", i, c.backend().name()).isCloseTo(2 * once[i], org.assertj.core.data.Offset.offset(1e-5 * (1 + Math.abs(once[i]))));
            }
            assertThat(twiceX).hasSize(24);
            if (c != ctx) c.close();
        }
    }
}
