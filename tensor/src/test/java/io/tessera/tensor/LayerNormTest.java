package io.tessera.tensor;

// LayerNorm over the last axis through Ops: float64 gradient checks with and without the
// affine weight and bias (w.r.t. x, w and b), a directional check at ViT width, accumulation
// over two backward passes, and the normalised statistics of the output. The residual add fused
// with it (Ops.addLayerNorm): finite differences of first and second derivatives through both
// of its outputs, and the bits of add followed by layerNorm on both CPU backends.

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class LayerNormTest {
    private static final GradCheck.Fn AFFINE = (ops, in) -> ops.layerNorm(in[0], in[1], in[2], 1e-5);
    private static final GradCheck.Fn PLAIN = (ops, in) -> ops.layerNorm(in[0], null, null, 1e-5);

    @Test
    void gradientWithAffineMatchesFiniteDifferences() {
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            GradCheck.full(ctx, AFFINE, GradCheck.randn(ctx, 1, 3, 5), GradCheck.randn(ctx, 2, 5), GradCheck.randn(ctx, 3, 5));
            GradCheck.full(ctx, AFFINE, GradCheck.randn(ctx, 4, 2, 2, 3), GradCheck.randn(ctx, 5, 3), GradCheck.randn(ctx, 6, 3));
            GradCheck.directional(ctx, AFFINE, 7, 1e-6, GradCheck.randn(ctx, 8, 10, 64), GradCheck.randn(ctx, 9, 64), GradCheck.randn(ctx, 10, 64));
        }
    }

    @Test
    void gradientWithoutAffineMatchesFiniteDifferences() {
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            GradCheck.full(ctx, PLAIN, GradCheck.randn(ctx, 11, 4, 6));
            GradCheck.directional(ctx, PLAIN, 12, 1e-6, GradCheck.randn(ctx, 13, 9, 48));
        }
    }

    /** Both outputs of addLayerNorm feed the result, so the gradients flow through the sum and the norm. */
    private static final GradCheck.Fn ADD_NORM = (ops, in) -> {
        Ops.AddNorm an = ops.addLayerNorm(in[0], in[1], in[2], in[3], 1e-5);
        return ops.add(an.norm(), ops.scale(an.sum(), 0.3));
    };

    @Test
    void residualAddAndLayerNormHaveTheDerivativesOfTheComposition() {
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            GradCheck.full(ctx, ADD_NORM, GradCheck.randn(ctx, 21, 3, 5), GradCheck.randn(ctx, 22, 3, 5), GradCheck.randn(ctx, 23, 5),
                    GradCheck.randn(ctx, 24, 5));
            HvpCheck.check(ctx, ADD_NORM, GradCheck.randn(ctx, 25, 2, 2, 4), GradCheck.randn(ctx, 26, 2, 2, 4), GradCheck.randn(ctx, 27, 4),
                    GradCheck.randn(ctx, 28, 4));
        }
    }

    @Test
    void residualAddAndLayerNormGiveTheBitsOfAddThenLayerNorm() {
        for (ExecutionContext ctx : new ExecutionContext[]{ExecutionContext.reference(1), ExecutionContext.cpu(2, 1)}) {
            try (ctx) {
                Ops o = ctx.ops();
                Rng rng = new Rng(29);
                float[] xs = new float[6 * 40], rs = new float[6 * 40], ws = new float[40], bs = new float[40], gs = new float[6 * 40];
                for (float[] a : new float[][]{xs, rs, ws, bs, gs}) for (int i = 0; i < a.length; i++) a[i] = (float) rng.nextGaussian();
                float[][] fused = null;
                for (int pass = 0; pass < 2; pass++) {
                    Tensor x = o.tensor(xs, 2, 3, 40).requiresGrad(true), r = o.tensor(rs, 2, 3, 40).requiresGrad(true);
                    Tensor w = o.tensor(ws, 40).requiresGrad(true), b = o.tensor(bs, 40).requiresGrad(true);
                    Tensor sum, norm;
                    try (Tape tape = ctx.record()) {
                        if (pass == 0) {
                            Ops.AddNorm an = o.addLayerNorm(x, r, w, b, 1e-6);
                            sum = an.sum();
                            norm = an.norm();
                        } else {
                            sum = o.add(x, r);
                            norm = o.layerNorm(sum, w, b, 1e-6);
                        }
                        tape.backward(o.sum(o.mul(o.add(norm, sum), o.tensor(gs, 2, 3, 40))));
                    }
                    float[][] got = {sum.toFloatArray(), norm.toFloatArray(), x.grad().toFloatArray(), r.grad().toFloatArray(),
                            w.grad().toFloatArray(), b.grad().toFloatArray()};
                    if (pass == 0) fused = got;
                    else for (int i = 0; i < got.length; i++) assertThat(fused[i]).as("%s output %d", ctx.backend().name(), i).isEqualTo(got[i]);
                }
                // a residual that broadcasts runs the two ops
                Tensor x = o.tensor(xs, 6, 40), r = o.tensor(ws, 40);
                assertThat(o.addLayerNorm(x, r, null, null, 1e-5).norm().toFloatArray())
                        .isEqualTo(o.layerNorm(o.add(x, r), null, null, 1e-5).toFloatArray());
            }
        }
    }

    @Test
    void backwardTwiceAccumulatesTwice() {
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            FusedParityTest.assertBackwardTwiceAccumulates(ctx, AFFINE, GradCheck.randn(ctx, 14, 3, 7), GradCheck.randn(ctx, 15, 7), GradCheck.randn(ctx, 16, 7));
        }
    }

    @Test
    void outputRowsHaveZeroMeanAndUnitVariance() {
        try (ExecutionContext ctx = ExecutionContext.cpu(1, 1)) {
            Rng rng = new Rng(17);
            float[] x = new float[4 * 50];
            for (int i = 0; i < x.length; i++) x[i] = (float) (3 + 2 * rng.nextGaussian());
            float[] y = ctx.ops().layerNorm(ctx.ops().tensor(x, 4, 50), null, null, 0).toFloatArray();
            for (int r = 0; r < 4; r++) {
                double m = 0, v = 0;
                for (int j = 0; j < 50; j++) m += y[r * 50 + j] / 50.0;
                for (int j = 0; j < 50; j++) v += (y[r * 50 + j] - m) * (y[r * 50 + j] - m) / 50.0;
                assertThat(m).isCloseTo(0, within(1e-6));
                assertThat(v).isCloseTo(1, within(1e-5));
            }
        }
    }
}
