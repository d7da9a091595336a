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
