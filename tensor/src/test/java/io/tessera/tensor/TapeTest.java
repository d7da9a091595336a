package io.tessera.tensor;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

/**
 * Tape: inference mode records nothing, backward needs a scalar (or an explicit output
 * gradient), intermediate gradients stay readable after backward, and misuse throws.
 */
class TapeTest {
    private final ExecutionContext ctx = ExecutionContext.reference(1);
    private final Ops o = ctx.ops();

    @Test
    void inferenceModeRecordsNothing() {
        Tensor x = o.full(Shape.of(3), DType.F64, 2).requiresGrad(true);
        assertThat(ctx.tape()).isNull();
        Tensor y = o.exp(o.mul(x, x));
        assertThat(y.requiresGrad()).isFalse();
        try (Tape tape = ctx.record()) {
            Tensor z = o.mul(x, x);
            assertThat(z.requiresGrad()).isTrue();
            Tensor c = o.mul(o.full(Shape.of(3), DType.F64, 1), o.full(Shape.of(3), DType.F64, 1));
            assertThat(c.requiresGrad()).as("no input requires a gradient").isFalse();
            assertThat(tape.size()).isEqualTo(1);
        }
        assertThat(ctx.tape()).isNull();
        assertThat(o.neg(x).requiresGrad()).isFalse();
    }

    @Test
    void viewsShareTheirBaseGradientAndGiveTheSameGradients() {
        // base = 2·x, three row views of it, one of them sliced again, plus a consumer of the base itself;
        // the gradient of x must be that of copying slices, whether or not a view's gradient is retained
        double[] xs = {0.5, -1, 2, 3, 0.25, -2, 1, 4, -0.5, 1.5, 2.5, -3};
        double[][] got = new double[3][];
        for (int mode = 0; mode < 3; mode++) {
            Tensor x = o.tensor(xs, 3, 4).requiresGrad(true);
            try (Tape tape = ctx.record()) {
                Tensor base = o.scale(x, 2);
                Tensor r0 = o.slice(base, 0, 0, 1), r1 = o.slice(base, 0, 1, 1), r2 = o.slice(base, 0, 2, 1);
                Tensor r1b = o.slice(r1, 0, 0, 1); // a view of a view
                if (mode == 1) tape.retainGrad(r1);
                Tensor loss = o.add(o.add(o.sum(o.mul(r0, r0)), o.sum(o.exp(r1b))), o.add(o.sum(o.scale(r2, 3)), o.sum(o.mul(base, base))));
                if (mode == 2) { // the copy the views replace: each slice through a fresh tensor
                    Tensor c0 = o.add(r0, o.zeros(r0.shape(), r0.dtype()));
                    loss = o.add(o.add(o.sum(o.mul(c0, c0)), o.sum(o.exp(o.add(r1b, o.zeros(r1b.shape(), r1b.dtype()))))),
                            o.add(o.sum(o.scale(o.add(r2, o.zeros(r2.shape(), r2.dtype())), 3)), o.sum(o.mul(base, base))));
                }
                assertThat(tape.sharedGradient(r0)).as("a row view shares its base's gradient").isEqualTo(new Tape.Shared(base, 0));
                assertThat(tape.sharedGradient(r2)).isEqualTo(new Tape.Shared(base, 8));
                assertThat(tape.sharedGradient(r1) == null).as("a retained view keeps a gradient of its own").isEqualTo(mode == 1);
                tape.backward(loss);
                if (mode == 1) {
                    double[] g1 = r1.grad().toDoubleArray();
                    for (int j = 0; j < 4; j++) assertThat(g1[j]).as("retained view gradient %d", j).isCloseTo(Math.exp(2 * xs[4 + j]), offset(1e-12));
                }
            }
            got[mode] = x.grad().toDoubleArray();
        }
        for (int j = 0; j < 12; j++) {
            double b = 2 * xs[j], want = 2 * (2 * b) + 2 * (j < 4 ? 2 * b : j < 8 ? Math.exp(b) : 3);
            for (int mode = 0; mode < 3; mode++) assertThat(got[mode][j]).as("mode %d element %d", mode, j).isCloseTo(want, offset(1e-12));
        }
    }

    @Test
    void backwardNeedsAScalar() {
        Tensor x = o.full(Shape.of(2, 2), DType.F64, 1).requiresGrad(true);
        try (Tape tape = ctx.record()) {
            Tensor y = o.square(x);
            assertThatThrownBy(() -> tape.backward(y)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("one-element");
            tape.backward(y, o.full(Shape.of(2, 2), DType.F64, 3));
        }
        assertThat(x.grad().toDoubleArray()).containsOnly(6.0);
    }

    @Test
    void intermediateGradientsAreReadableAfterBackward() {
        Tensor x = GradCheck.randn(ctx, 3, 4).requiresGrad(true);
        try (Scope s = ctx.openScope(); Tape tape = ctx.record()) {
            Tensor h = tape.retainGrad(o.scale(x, 3));
            Tensor notRetained = o.square(h);
            Tensor loss = o.sum(notRetained);
            tape.backward(loss);
            assertThat(notRetained.grad()).as("consumed intermediate gradients go back to the pool").isNull();
            double[] hv = h.toDoubleArray(), gh = h.grad().toDoubleArray(), gx = x.grad().toDoubleArray();
            for (int i = 0; i < hv.length; i++) {
                assertThat(gh[i]).isCloseTo(2 * hv[i], offset(1e-12));
                assertThat(gx[i]).isCloseTo(6 * hv[i], offset(1e-12));
            }
        }
        assertThat(x.grad().isReleased()).as("leaf gradients are persistent").isFalse();
    }

    @Test
    void backwardMayRunAfterTheTapeStopsRecording() {
        Tensor x = GradCheck.randn(ctx, 5, 3).requiresGrad(true);
        Tensor loss;
        Tape tape;
        try (Tape t = ctx.record()) {
            tape = t;
            loss = o.sum(o.square(o.scale(x, 2)));
        }
        tape.backward(loss);
        double[] xv = x.toDoubleArray(), g = x.grad().toDoubleArray();
        for (int i = 0; i < g.length; i++) assertThat(g[i]).isCloseTo(8 * xv[i], offset(1e-12));
    }

    @Test
    void misuseThrows() {
        Tensor x = o.full(Shape.of(1), DType.F64, 1).requiresGrad(true);
        Tensor free = o.full(Shape.of(1), DType.F64, 1);
        try (Tape tape = ctx.record()) {
            assertThatThrownBy(ctx::record).isInstanceOf(IllegalStateException.class).hasMessageContaining("already recording");
            assertThatThrownBy(() -> tape.backward(free)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not computed on this tape");
            Tensor y = o.exp(x);
            tape.backward(y);
            assertThatThrownBy(() -> tape.backward(y)).isInstanceOf(IllegalStateException.class).hasMessageContaining("already ran");
            assertThatThrownBy(() -> o.exp(x)).isInstanceOf(IllegalStateException.class).hasMessageContaining("after its backward");
        }
        assertThat(x.grad().item()).isCloseTo(Math.E, offset(1e-12));
        assertThatThrownBy(() -> o.indices(new int[]{1}, 1).requiresGrad(true)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("I32");
    }
}
