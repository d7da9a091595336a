package io.tessera.tensor;

// Double backward op by op on the float64 reference backend: for every differentiable op, the
// differentiable rules of a higher-order tape give the fused first-order gradient, and a second
// backward pass gives Hessian-vector products equal to central differences of gradients
// (HvpCheck). Also the tape's contract: retained graphs, repeated passes, misuse.

import io.tessera.tensor.spi.UnaryOp;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class SecondOrderTest {
    private static Tensor randn(ExecutionContext ctx, long seed, int... dims) {
        return GradCheck.randn(ctx, seed, dims);
    }

    /** Standard normals moved away from 0 (|x| + 0.5), for log, sqrt, rsqrt and division. */
    private static Tensor positive(ExecutionContext ctx, long seed, int... dims) {
        Tensor t = randn(ctx, seed, dims);
        double[] d = t.f64();
        for (int i = 0; i < d.length; i++) d[i] = Math.abs(d[i]) + 0.5;
        return t;
    }

    @Test
    void matrixProducts() {
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            for (boolean ta : new boolean[] {false, true}) {
                for (boolean tb : new boolean[] {false, true}) {
                    Tensor a = ta ? randn(ctx, 1, 2, 4, 3) : randn(ctx, 1, 2, 3, 4);
                    Tensor b = tb ? randn(ctx, 2, 2, 5, 4) : randn(ctx, 2, 2, 4, 5);
                    HvpCheck.check(ctx, (o, in) -> o.matmul(in[0], in[1], ta, tb), a, b);
                    Tensor shared = tb ? randn(ctx, 3, 5, 4) : randn(ctx, 3, 4, 5);
                    HvpCheck.check(ctx, (o, in) -> o.matmul(in[0], in[1], ta, tb), a, shared);
                }
            }
            HvpCheck.check(ctx, (o, in) -> o.linear(in[0], in[1], in[2]), randn(ctx, 4, 2, 3, 4), randn(ctx, 5, 5, 4), randn(ctx, 6, 5));
            HvpCheck.check(ctx, (o, in) -> o.linear(in[0], in[1], null), randn(ctx, 7, 3, 4), randn(ctx, 8, 2, 4));
        }
    }

    @Test
    void unaryOps() {
        try (ExecutionContext ctx = ExecutionContext.reference(2)) {
            for (UnaryOp op : UnaryOp.values()) {
                boolean pos = op == UnaryOp.LOG || op == UnaryOp.SQRT || op == UnaryOp.RSQRT;
                Tensor x = pos ? positive(ctx, 10 + op.ordinal(), 3, 5) : randn(ctx, 10 + op.ordinal(), 3, 5);
                // multiplied by a second input, so even piecewise-linear ops have a non-zero Hessian
                HvpCheck.check(ctx, (o, in) -> o.mul(o.unary(op, in[0]), in[1]), x, randn(ctx, 40, 3, 5));
            }
            HvpCheck.check(ctx, (o, in) -> o.geluDerivative(in[0]), randn(ctx, 41, 4, 3));
        }
    }

    @Test
    void binaryOpsWithBroadcasting() {
        try (ExecutionContext ctx = ExecutionContext.reference(3)) {
            HvpCheck.check(ctx, (o, in) -> o.add(in[0], in[1]), randn(ctx, 1, 2, 3, 4), randn(ctx, 2, 3, 1));
            HvpCheck.check(ctx, (o, in) -> o.sub(in[0], in[1]), randn(ctx, 3, 2, 1, 4), randn(ctx, 4, 3, 4));
            HvpCheck.check(ctx, (o, in) -> o.mul(in[0], in[1]), randn(ctx, 5, 2, 3, 4), randn(ctx, 6, 4));
            HvpCheck.check(ctx, (o, in) -> o.div(in[0], in[1]), randn(ctx, 7, 2, 3), positive(ctx, 8, 2, 1));
            HvpCheck.check(ctx, (o, in) -> o.mul(o.maximum(in[0], in[1]), in[0]), randn(ctx, 9, 3, 4), randn(ctx, 10, 4));
            HvpCheck.check(ctx, (o, in) -> o.mul(o.minimum(in[0], in[1]), in[1]), randn(ctx, 11, 3, 4), randn(ctx, 12, 3, 1));
            HvpCheck.check(ctx, (o, in) -> o.affine(in[0], -1.5, 0.25), randn(ctx, 13, 5));
        }
    }

    @Test
    void reductionsAndLayout() {
        try (ExecutionContext ctx = ExecutionContext.reference(4)) {
            HvpCheck.check(ctx, (o, in) -> o.sum(in[0], true, 1), randn(ctx, 1, 2, 3, 4));
            HvpCheck.check(ctx, (o, in) -> o.mean(in[0], false, 0, 2), randn(ctx, 2, 2, 3, 4));
            HvpCheck.check(ctx, (o, in) -> o.var(in[0], false, 1, -1), randn(ctx, 3, 3, 5));
            HvpCheck.check(ctx, (o, in) -> o.expand(in[0], Shape.of(2, 3, 4)), randn(ctx, 4, 3, 1));
            HvpCheck.check(ctx, (o, in) -> o.sumTo(in[0], Shape.of(3, 1)), randn(ctx, 5, 2, 3, 4));
            HvpCheck.check(ctx, (o, in) -> o.reshape(in[0], 4, 6), randn(ctx, 6, 2, 3, 4));
            HvpCheck.check(ctx, (o, in) -> o.permute(in[0], 2, 0, 1), randn(ctx, 7, 2, 3, 4));
            HvpCheck.check(ctx, (o, in) -> o.slice(in[0], 1, 1, 2), randn(ctx, 8, 2, 4, 3));
            HvpCheck.check(ctx, (o, in) -> o.slice(in[0], 0, 1, 2), randn(ctx, 9, 4, 3));
            HvpCheck.check(ctx, (o, in) -> o.concat(1, in[0], in[1]), randn(ctx, 10, 2, 3), randn(ctx, 11, 2, 2));
            HvpCheck.check(ctx, (o, in) -> o.cast(in[0], DType.F64), randn(ctx, 12, 3));
            Tensor index = ctx.ops().indices(new int[] {2, 0, 1, 1}, 2, 2);
            HvpCheck.check(ctx, (o, in) -> o.gather(in[0], index, 1), randn(ctx, 13, 2, 3, 4), index);
            HvpCheck.check(ctx, (o, in) -> o.scatterAdd(in[0], index, 1, 3), randn(ctx, 14, 2, 2, 4), index);
        }
    }

    @Test
    void fusedRowOps() {
        try (ExecutionContext ctx = ExecutionContext.reference(5)) {
            HvpCheck.check(ctx, (o, in) -> o.softmax(in[0]), randn(ctx, 1, 3, 5));
            HvpCheck.check(ctx, (o, in) -> o.layerNorm(in[0], in[1], in[2], 1e-6), randn(ctx, 2, 2, 3, 5), randn(ctx, 3, 5), randn(ctx, 4, 5));
            HvpCheck.check(ctx, (o, in) -> o.layerNorm(in[0], null, null, 1e-5), randn(ctx, 5, 4, 6));
            HvpCheck.check(ctx, (o, in) -> o.l2Normalize(in[0], 1e-8), randn(ctx, 6, 3, 4));
            HvpCheck.check(ctx, (o, in) -> o.cosineSimilarity(in[0], in[1]), randn(ctx, 7, 3, 4), randn(ctx, 8, 3, 4));
        }
    }

    @Test
    void batchNormInBothModes() {
        try (ExecutionContext ctx = ExecutionContext.reference(6)) {
            Tensor rm = randn(ctx, 1, 3), rv = positive(ctx, 2, 3);
            HvpCheck.check(ctx, (o, in) -> o.batchNorm(in[0], in[1], in[2], null, null, true, 0.1, 1e-5),
                    randn(ctx, 3, 5, 3), randn(ctx, 4, 3), randn(ctx, 5, 3));
            HvpCheck.check(ctx, (o, in) -> o.batchNorm(in[0], null, null, null, null, true, 0.1, 1e-5), randn(ctx, 6, 4, 3));
            HvpCheck.check(ctx, (o, in) -> o.batchNorm(in[0], in[1], in[2], rm, rv, false, 0.1, 1e-5),
                    randn(ctx, 7, 5, 3), randn(ctx, 8, 3), randn(ctx, 9, 3));
        }
    }

    @Test
    void attentionAndLosses() {
        try (ExecutionContext ctx = ExecutionContext.reference(7)) {
            HvpCheck.check(ctx, (o, in) -> o.attention(in[0], in[1], in[2], 0.5).out(),
                    randn(ctx, 1, 1, 2, 3, 4), randn(ctx, 2, 1, 2, 5, 4), randn(ctx, 3, 1, 2, 5, 4));
            Tensor labels = ctx.ops().indices(new int[] {2, 0, 3}, 3);
            HvpCheck.check(ctx, (o, in) -> o.crossEntropy(in[0], labels, 0.1), randn(ctx, 4, 3, 4), labels);
            HvpCheck.check(ctx, (o, in) -> o.crossEntropy(in[0], labels, 0.0), randn(ctx, 5, 3, 4), labels);
            Tensor mask = ctx.allocatePersistent(Shape.of(2, 3), DType.F64, false);
            ctx.backend().write(mask, new double[] {1, 0, 1, 1, 1, 0});
            HvpCheck.check(ctx, (o, in) -> o.maskedMse(in[0], in[1], mask), randn(ctx, 6, 2, 3, 4), randn(ctx, 7, 2, 3, 4));
        }
    }

    @Test
    void retainedGraphGivesTheSameProductTwiceAndIsLinearInV() {
        try (ExecutionContext ctx = ExecutionContext.reference(8)) {
            Ops o = ctx.ops();
            Tensor w = randn(ctx, 1, 4, 3).requiresGrad(true);
            Tensor x = randn(ctx, 2, 5, 3);
            Tensor u = randn(ctx, 3, 4, 3), v = randn(ctx, 4, 4, 3);
            try (Scope s = ctx.openScope(); Tape tape = ctx.recordHigherOrder()) {
                Tensor loss = o.sum(o.tanh(o.linear(x, w, null)));
                Tensor g = tape.gradGraph(loss, List.of(w)).get(0);
                double[] hu = product(tape, w, g, u), hv = product(tape, w, g, v), hu2 = product(tape, w, g, u);
                double[] huv = product(tape, w, g, o.add(o.scale(u, 2), v));
                assertThat(hu2).containsExactly(hu);
                for (int i = 0; i < hu.length; i++) assertThat(huv[i]).isCloseTo(2 * hu[i] + hv[i], within(1e-12));
                // symmetry: uᵀHv = vᵀHu
                double uhv = 0, vhu = 0;
                double[] ud = u.toDoubleArray(), vd = v.toDoubleArray();
                for (int i = 0; i < hu.length; i++) {
                    uhv += ud[i] * hv[i];
                    vhu += vd[i] * hu[i];
                }
                assertThat(uhv).isCloseTo(vhu, within(1e-12));
            }
        }
    }

    private static double[] product(Tape tape, Tensor w, Tensor g, Tensor v) {
        w.setGrad(null);
        tape.backward(List.of(g), List.of(v), true);
        double[] h = w.grad().toDoubleArray();
        w.setGrad(null);
        return h;
    }

    @Test
    void misuseIsRefusedWithAClearMessage() {
        try (ExecutionContext ctx = ExecutionContext.reference(9)) {
            Ops o = ctx.ops();
            Tensor w = randn(ctx, 1, 3).requiresGrad(true);
            try (Scope s = ctx.openScope(); Tape tape = ctx.record()) {
                Tensor loss = o.sum(o.square(w));
                assertThatThrownBy(() -> tape.gradGraph(loss, List.of(w))).isInstanceOf(IllegalStateException.class).hasMessageContaining("recordHigherOrder");
            }
            try (Scope s = ctx.openScope(); Tape tape = ctx.recordHigherOrder()) {
                Tensor y = o.square(w);
                assertThatThrownBy(() -> tape.gradGraph(y, List.of(w))).hasMessageContaining("one-element loss");
                Tensor unrelated = randn(ctx, 2, 3);
                List<Tensor> g = tape.gradGraph(o.sum(y), List.of(w, unrelated));
                assertThat(g.get(1).toDoubleArray()).containsOnly(0.0);
                assertThat(g.get(1).requiresGrad()).isFalse();
                assertThatThrownBy(() -> tape.backward(List.of(g.get(0)), List.of(randn(ctx, 3, 4)), false))
                        .hasMessageContaining("does not match");
            }
        }
    }
}
