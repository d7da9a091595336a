package io.tessera.tensor;

import io.tessera.tensor.cpu.CpuBackend;
import io.tessera.tensor.cpu.ReferenceBackend;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link Ops#drop}: a dropped tensor that no recorded backward rule reads goes back to the pool
 * at once; one that a rule reads is freed right after that rule has run; parameters, tensors
 * outside any scope and retained tensors are never freed early; gradients are the same with and
 * without drops (on the reference and the SIMD backends, whose kernels must not read operands
 * that the rule did not declare).
 */
class LivenessTest {

    @Test
    void anUnsavedTensorIsFreedAtOnceAndItsStorageReused() {
        try (ExecutionContext ctx = ExecutionContext.reference(1); Scope s = ctx.openScope()) {
            Ops o = ctx.ops();
            Tensor x = o.full(Shape.of(64), DType.F32, 2);
            Tensor y = o.exp(x);
            o.drop(x);
            assertThat(x.isReleased()).isTrue();
            assertThatThrownBy(x::toFloatArray).isInstanceOf(IllegalStateException.class).hasMessageContaining("dropped");
            long created = ((ReferenceBackend) ctx.backend()).pooledCreations();
            Tensor z = o.full(Shape.of(64), DType.F32, 3);
            assertThat(((ReferenceBackend) ctx.backend()).pooledCreations()).as("the freed array is handed out again").isEqualTo(created);
            assertThat(y.toFloatArray()[0]).isEqualTo((float) Math.exp(2));
            assertThat(z.toFloatArray()[0]).isEqualTo(3f);
        }
    }

    @Test
    void aSavedTensorLivesUntilTheLastRuleThatReadsItHasRun() {
        try (ExecutionContext ctx = ExecutionContext.reference(1); Scope s = ctx.openScope(); Tape tape = ctx.record()) {
            Ops o = ctx.ops();
            Tensor w = ctx.allocatePersistent(Shape.of(3, 4), DType.F64, false).requiresGrad(true);
            ctx.backend().write(w, new double[]{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
            Tensor x = o.tensor(new double[]{1, -1, 2, 0.5}, 1, 4);
            Tensor h = o.linear(x, w, null);   // saves x (for dW)
            Tensor g = o.gelu(h);              // saves h
            Tensor loss = o.sum(g);
            o.drop(x, h, g);
            assertThat(x.isReleased()).as("read by linear's rule").isFalse();
            assertThat(h.isReleased()).as("read by gelu's rule").isFalse();
            assertThat(g.isReleased()).as("sum's rule reads nothing").isTrue();
            tape.backward(loss);
            assertThat(h.isReleased()).isTrue();
            assertThat(x.isReleased()).isTrue();
            assertThat(loss.isReleased()).as("never dropped").isFalse();
            assertThat(w.grad().toDoubleArray()).hasSize(12);
        }
    }

    @Test
    void parametersUnscopedAndRetainedTensorsAreNeverFreedEarly() {
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            Ops o = ctx.ops();
            Tensor p = ctx.allocatePersistent(Shape.of(4), DType.F64, true).requiresGrad(true);
            Tensor outside = o.full(Shape.of(4), DType.F64, 1);
            try (Scope s = ctx.openScope(); Tape tape = ctx.record()) {
                Tensor a = o.mul(p, outside);
                tape.retainGrad(a);
                Tensor loss = o.sum(o.square(a));
                o.drop(p, outside, a);
                tape.backward(loss);
                assertThat(p.isReleased()).isFalse();
                assertThat(outside.isReleased()).isFalse();
                assertThat(a.isReleased()).as("retained for Grad-CAM").isFalse();
                assertThat(a.grad().toDoubleArray()).containsOnly(0.0);
            }
        }
    }

    @Test
    void keptTensorsLeaveTheScopeAndAreNoLongerDroppable() {
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            Ops o = ctx.ops();
            Tensor kept;
            try (Scope s = ctx.openScope()) {
                kept = s.keep(o.full(Shape.of(2), DType.F32, 1));
            }
            o.drop(kept);
            assertThat(kept.isReleased()).isFalse();
        }
    }

    /** A small network in which every intermediate is dropped as soon as the forward code is done with it. */
    private static Tensor network(Ops o, Tensor x, Tensor w1, Tensor b1, Tensor w2, boolean drop) {
        Tensor h = o.linear(x, w1, b1);
        Tensor a = o.gelu(h);
        Tensor e = o.exp(o.scale(a, 0.1));          // EXP's rule reads its output only
        Tensor r = o.add(a, e);                      // ADD's rule reads neither operand
        Tensor m = o.mul(r, o.tanh(r));              // MUL reads both; TANH its output
        Tensor y = o.linear(m, w2, null);
        Tensor n = o.layerNorm(y, null, null, 1e-5);
        Tensor loss = o.mean(o.square(o.sub(n, o.softmax(n))));
        if (drop) o.drop(h, a, e, r, m, y, n);
        return loss;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"reference", "cpu-simd"})
    void gradientsAreTheSameWithAndWithoutDrops(String backend) {
        Function<Long, ExecutionContext> make = seed -> backend.equals("reference")
                ? ExecutionContext.reference(seed) : new ExecutionContext(new CpuBackend(2), seed);
        float[][] withDrops = grads(make.apply(1L), true), without = grads(make.apply(1L), false);
        for (int i = 0; i < without.length; i++) assertThat(withDrops[i]).containsExactly(without[i]);
    }

    private static float[][] grads(ExecutionContext ctx, boolean drop) {
        try (ctx) {
            Ops o = ctx.ops();
            Rng rng = new Rng(7);
            Tensor w1 = persistent(ctx, o.randn(rng.split("w1"), Shape.of(24, 16), DType.F32));
            Tensor b1 = persistent(ctx, o.randn(rng.split("b1"), Shape.of(24), DType.F32));
            Tensor w2 = persistent(ctx, o.randn(rng.split("w2"), Shape.of(8, 24), DType.F32));
            try (Scope s = ctx.openScope(); Tape tape = ctx.record()) {
                Tensor x = o.randn(rng.split("x"), Shape.of(5, 16), DType.F32);
                tape.backward(network(o, x, w1, b1, w2, drop));
            }
            return new float[][]{w1.grad().toFloatArray(), b1.grad().toFloatArray(), w2.grad().toFloatArray()};
        }
    }

    private static Tensor persistent(ExecutionContext ctx, Tensor t) {
        Tensor p = ctx.allocatePersistent(t.shape(), t.dtype(), false);
        ctx.backend().copy(p, t);
        return p.requiresGrad(true);
    }
}
