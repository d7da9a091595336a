package io.tessera.tensor;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * float64 finite-difference checks of the backward rules of {@link Ops#matmul} (every transpose
 * combination, batched, shared 2-D b, rank-4 batches) and {@link Ops#linear} (with and without
 * bias), on the scalar reference backend; and the accumulate-twice contract of backward.
 */
class MatmulGradTest {

    private static int[] dims(int batch, int rows, int cols, boolean trans) {
        int r = trans ? cols : rows, c = trans ? rows : cols;
        return batch == 0 ? new int[] {r, c} : new int[] {batch, r, c};
    }

    @ParameterizedTest(name = "transA={0} transB={1}")
    @CsvSource({"false,false", "false,true", "true,false", "true,true"})
    void matmul2dFullJacobian(boolean ta, boolean tb) {
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            Tensor a = GradCheck.randn(ctx, 2, dims(0, 3, 4, ta)); // op(a): (M=3, K=4)
            Tensor b = GradCheck.randn(ctx, 3, dims(0, 4, 5, tb)); // op(b): (K=4, N=5)
            GradCheck.full(ctx, (ops, x) -> ops.matmul(x[0], x[1], ta, tb), a, b);
        }
    }

    @ParameterizedTest(name = "transA={0} transB={1}")
    @CsvSource({"false,false", "false,true", "true,false", "true,true"})
    void batchedMatmulFullJacobian(boolean ta, boolean tb) {
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            Tensor a = GradCheck.randn(ctx, 4, dims(2, 3, 2, ta)); // (B=2, M=3, K=2)
            Tensor b = GradCheck.randn(ctx, 5, dims(2, 2, 4, tb)); // (B=2, K=2, N=4)
            GradCheck.full(ctx, (ops, x) -> ops.matmul(x[0], x[1], ta, tb), a, b);
        }
    }

    @ParameterizedTest(name = "transA={0} transB={1}")
    @CsvSource({"false,false", "false,true", "true,false", "true,true"})
    void sharedTwoDimensionalBFullJacobian(boolean ta, boolean tb) {
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            Tensor a = GradCheck.randn(ctx, 6, dims(3, 2, 3, ta)); // (B=3, M=2, K=3)
            Tensor b = GradCheck.randn(ctx, 7, dims(0, 3, 4, tb)); // (K=3, N=4), shared by the batch
            GradCheck.full(ctx, (ops, x) -> ops.matmul(x[0], x[1], ta, tb), a, b);
        }
    }

    @Test
    void rankFourWithSharedBFullJacobian() {
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            Tensor a = GradCheck.randn(ctx, 8, 2, 2, 3, 2); // (B=2, H=2, T=3, Dh=2)
            Tensor b = GradCheck.randn(ctx, 9, 2, 3);
            GradCheck.full(ctx, (ops, x) -> ops.matmul(x[0], x[1]), a, b);
        }
    }

    @ParameterizedTest(name = "transA={0} transB={1}")
    @CsvSource({"false,false", "false,true", "true,false", "true,true"})
    void largerMatmulDirectional(boolean ta, boolean tb) {
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            Tensor a = GradCheck.randn(ctx, 10, dims(3, 17, 9, ta)); // (B=3, M=17, K=9)
            Tensor b = GradCheck.randn(ctx, 11, dims(3, 9, 13, tb));
            Tensor bShared = GradCheck.randn(ctx, 12, dims(0, 9, 13, tb));
            GradCheck.directional(ctx, (ops, x) -> ops.matmul(x[0], x[1], ta, tb), 13, 1e-6, a, b);
            GradCheck.directional(ctx, (ops, x) -> ops.matmul(x[0], x[1], ta, tb), 14, 1e-6, a, bShared);
        }
    }

    @Test
    void linearWithAndWithoutBiasFullJacobian() {
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            Tensor x = GradCheck.randn(ctx, 20, 2, 3, 4); // (B=2, T=3, D=4)
            Tensor w = GradCheck.randn(ctx, 21, 5, 4);    // (out=5, in=4)
            Tensor bias = GradCheck.randn(ctx, 22, 5);
            GradCheck.full(ctx, (ops, in) -> ops.linear(in[0], in[1], in[2]), x, w, bias);
            GradCheck.full(ctx, (ops, in) -> ops.linear(in[0], in[1], null), x, w);
        }
    }

    @Test
    void linearGeluHasTheDerivativesOfLinearThenGelu() {
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            Tensor x = GradCheck.randn(ctx, 23, 2, 3, 4), w = GradCheck.randn(ctx, 24, 5, 4), bias = GradCheck.randn(ctx, 25, 5);
            GradCheck.full(ctx, (ops, in) -> ops.linearGelu(in[0], in[1], in[2]), x, w, bias);
            HvpCheck.check(ctx, (ops, in) -> ops.linearGelu(in[0], in[1], in[2]), x, w, bias);
            GradCheck.full(ctx, (ops, in) -> ops.linearGelu(in[0], in[1], null), x, w);
        }
        try (ExecutionContext ctx = ExecutionContext.cpu(2, 1)) { // float32: the bits of the two ops
            Ops o = ctx.ops();
            Rng rng = new Rng(26);
            float[] xs = new float[6 * 16], ws = new float[24 * 16], bs = new float[24];
            for (float[] a : new float[][]{xs, ws, bs}) for (int i = 0; i < a.length; i++) a[i] = (float) rng.nextGaussian();
            float[][] got = new float[2][];
            float[][] gw = new float[2][];
            for (int pass = 0; pass < 2; pass++) {
                Tensor x = o.tensor(xs, 2, 3, 16), w = o.tensor(ws, 24, 16).requiresGrad(true), b = o.tensor(bs, 24).requiresGrad(true);
                try (Tape tape = ctx.record()) {
                    Tensor y = pass == 0 ? o.linearGelu(x, w, b) : o.gelu(o.linear(x, w, b));
                    got[pass] = y.toFloatArray();
                    tape.backward(o.sum(o.mul(y, y)));
                }
                gw[pass] = w.grad().toFloatArray();
            }
            assertThat(got[0]).isEqualTo(got[1]);
            assertThat(gw[0]).isEqualTo(gw[1]);
        }
    }

    @Test
    void largerLinearDirectional() {
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            Tensor x = GradCheck.randn(ctx, 30, 4, 9, 24); // (B=4, T=9, D=24)
            Tensor w = GradCheck.randn(ctx, 31, 40, 24);
            Tensor bias = GradCheck.randn(ctx, 32, 40);
            GradCheck.directional(ctx, (ops, in) -> ops.linear(in[0], in[1], in[2]), 33, 1e-6, x, w, bias);
        }
    }

    @Test
    void backwardTwiceAccumulatesTwice() {
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            Tensor a = GradCheck.randn(ctx, 40, 2, 3, 4).requiresGrad(true);
            Tensor b = GradCheck.randn(ctx, 41, 5, 4).requiresGrad(true);
            double[] ga1 = null, gb1 = null;
            for (int pass = 0; pass < 2; pass++) {
                try (Scope s = ctx.openScope(); Tape tape = ctx.record()) {
                    Ops ops = ctx.ops();
                    tape.backward(ops.sum(ops.matmul(a, b, false, true)));
                }
                if (pass == 0) {
                    ga1 = a.grad().toDoubleArray();
                    gb1 = b.grad().toDoubleArray();
                }
            }
            double[] ga2 = a.grad().toDoubleArray(), gb2 = b.grad().toDoubleArray();
            assertThat(ga1).isNotNull();
            for (int i = 0; i < ga2.length; i++) assertThat(ga2[i]).isCloseTo(2 * ga1[i], within(1e-12));
            for (int i = 0; i < gb2.length; i++) assertThat(gb2[i]).isCloseTo(2 * gb1[i], within(1e-12));
            // d(Σ a·bᵀ)/da[t, k] = Σ_n b[n, k]: check the first pass against it.
            double[] bv = b.toDoubleArray();
            for (int k = 0; k < 4; k++) {
                double sum = 0;
                for (int n = 0; n < 5; n++) sum += bv[n * 4 + k];
                assertThat(ga1[k]).isCloseTo(sum, within(1e-12));
            }
        }
    }
}
