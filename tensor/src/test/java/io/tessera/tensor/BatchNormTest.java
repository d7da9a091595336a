package io.tessera.tensor;

// BatchNorm1d through Ops: float64 gradient checks in training and eval mode (w.r.t. x, w
// and b, with and without affine), accumulation over two backward passes, and the running
// statistics after one step against hand-computed values (momentum, unbiased variance).

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class BatchNormTest {
    private static GradCheck.Fn train(Tensor rm, Tensor rv) {
        return (ops, in) -> ops.batchNorm(in[0], in[1], in[2], rm, rv, true, 0.1, 1e-5);
    }

    private static GradCheck.Fn eval(Tensor rm, Tensor rv) {
        return (ops, in) -> ops.batchNorm(in[0], in[1], in[2], rm, rv, false, 0.1, 1e-5);
    }

    private static Tensor ones(ExecutionContext ctx, int c) {
        Tensor t = ctx.allocatePersistent(Shape.of(c), DType.F64, false);
        ctx.backend().fill(t, 1.0);
        return t;
    }

    @Test
    void trainingGradientMatchesFiniteDifferences() {
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            GradCheck.full(ctx, train(GradCheck.randn(ctx, 1, 3), ones(ctx, 3)),
                    GradCheck.randn(ctx, 2, 4, 3), GradCheck.randn(ctx, 3, 3), GradCheck.randn(ctx, 4, 3));
            GradCheck.directional(ctx, train(GradCheck.randn(ctx, 5, 20), ones(ctx, 20)), 6, 1e-6,
                    GradCheck.randn(ctx, 7, 32, 20), GradCheck.randn(ctx, 8, 20), GradCheck.randn(ctx, 9, 20));
            GradCheck.full(ctx, (ops, in) -> ops.batchNorm(in[0], null, null, null, null, true, 0.1, 1e-5), GradCheck.randn(ctx, 10, 3, 2));
        }
    }

    @Test
    void evalGradientMatchesFiniteDifferences() {
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            Tensor rv = ctx.ops().full(Shape.of(3), DType.F64, 0.7);
            GradCheck.full(ctx, eval(GradCheck.randn(ctx, 11, 3), rv),
                    GradCheck.randn(ctx, 12, 4, 3), GradCheck.randn(ctx, 13, 3), GradCheck.randn(ctx, 14, 3));
            GradCheck.directional(ctx, eval(GradCheck.randn(ctx, 15, 20), ones(ctx, 20)), 16, 1e-6,
                    GradCheck.randn(ctx, 17, 16, 20), GradCheck.randn(ctx, 18, 20), GradCheck.randn(ctx, 19, 20));
            Tensor rm2 = GradCheck.randn(ctx, 20, 2), rv2 = ones(ctx, 2);
            GradCheck.full(ctx, (ops, in) -> ops.batchNorm(in[0], null, null, rm2, rv2, false, 0.1, 1e-5), GradCheck.randn(ctx, 21, 3, 2));
        }
    }

    @Test
    void backwardTwiceAccumulatesTwice() {
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            FusedParityTest.assertBackwardTwiceAccumulates(ctx, train(null, null),
                    GradCheck.randn(ctx, 22, 5, 4), GradCheck.randn(ctx, 23, 4), GradCheck.randn(ctx, 24, 4));
            FusedParityTest.assertBackwardTwiceAccumulates(ctx, eval(GradCheck.randn(ctx, 25, 4), ones(ctx, 4)),
                    GradCheck.randn(ctx, 26, 5, 4), GradCheck.randn(ctx, 27, 4), GradCheck.randn(ctx, 28, 4));
        }
    }

    @Test
    void runningStatisticsAfterOneStepMatchHandComputedValues() {
        for (ExecutionContext ctx : new ExecutionContext[] {ExecutionContext.reference(1), ExecutionContext.cpu(2, 1)}) {
            try (ctx) {
                Ops ops = ctx.ops();
                // x: (N = 3, C = 2); column means 3 and 6; unbiased variances 4 and 16, biased 8/3 and 32/3
                Tensor x = ops.tensor(new float[] {1, 2, 3, 6, 5, 10}, 3, 2);
                Tensor rm = ops.tensor(new float[] {0, 0}, 2), rv = ops.tensor(new float[] {1, 1}, 2);
                Tensor y = ops.batchNorm(x, null, null, rm, rv, true, 0.1, 1e-5);
                assertThat(rm.toDoubleArray()).as(ctx.backend().name()).containsExactly(new double[] {0.3, 0.6}, within(1e-6));
                assertThat(rv.toDoubleArray()).as(ctx.backend().name()).containsExactly(new double[] {1.3, 2.5}, within(1e-6));
                assertThat(y.get(0, 0)).isCloseTo(-2 / Math.sqrt(8.0 / 3 + 1e-5), within(1e-5));
                assertThat(y.get(2, 1)).isCloseTo(4 / Math.sqrt(32.0 / 3 + 1e-5), within(1e-5));
                Tensor ye = ops.batchNorm(x, null, null, rm, rv, false, 0.1, 1e-5);
                assertThat(ye.get(1, 1)).isCloseTo((6 - 0.6) / Math.sqrt(2.5 + 1e-5), within(1e-5));
            }
        }
    }
}
