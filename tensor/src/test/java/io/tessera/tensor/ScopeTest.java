package io.tessera.tensor;

import io.tessera.tensor.cpu.ReferenceBackend;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Scope: tensors released on close, reads of released tensors throw, keep() moves a tensor
 * out (into the enclosing scope), views are released once, scopes close in order, and the
 * backend's pool reuses storage when a step repeats.
 */
class ScopeTest {
    private final ExecutionContext ctx = ExecutionContext.reference(1);
    private final Ops o = ctx.ops();

    @Test
    void tensorsAreReleasedOnCloseAndReadingThemThrows() {
        Tensor t, v;
        try (Scope s = ctx.openScope()) {
            t = o.full(Shape.of(2, 3), DType.F32, 1.5);
            v = o.reshape(t, 3, 2);
            assertThat(s.ownedCount()).isEqualTo(1); // the view is not owned separately
            assertThat(v.toFloatArray()).containsOnly(1.5f);
        }
        assertThat(t.isReleased()).isTrue();
        assertThatThrownBy(t::toFloatArray).isInstanceOf(IllegalStateException.class).hasMessageContaining("released");
        assertThatThrownBy(() -> o.add(t, t)).isInstanceOf(IllegalStateException.class).hasMessageContaining("(2, 3)");
    }

    @Test
    void keptTensorsSurviveAndMoveToTheEnclosingScope() {
        Tensor kept;
        try (Scope outer = ctx.openScope()) {
            try (Scope inner = ctx.openScope()) {
                Tensor a = o.full(Shape.of(4), DType.F64, 2);
                kept = inner.keep(o.mul(a, a));
                assertThat(inner.ownedCount()).isEqualTo(1);
            }
            assertThat(kept.isReleased()).isFalse();
            assertThat(kept.toDoubleArray()).containsOnly(4.0);
            assertThat(outer.ownedCount()).isEqualTo(1);
        }
        assertThat(kept.isReleased()).isTrue();
        Tensor persistent = ctx.allocatePersistent(Shape.of(2), DType.F32, true);
        try (Scope s = ctx.openScope()) {
            assertThatThrownBy(() -> s.keep(persistent)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not allocated in this scope");
        }
        Tensor top;
        try (Scope s = ctx.openScope()) {
            top = s.keep(o.zeros(3));
        }
        assertThat(top.isReleased()).as("kept from the outermost scope: owned by nobody").isFalse();
    }

    @Test
    void scopesCloseInReverseOrderAndAFailedCloseCanBeRetried() {
        Scope outer = ctx.openScope();
        Tensor t = o.zeros(2);
        Scope inner = ctx.openScope();
        assertThatThrownBy(outer::close).isInstanceOf(IllegalStateException.class).hasMessageContaining("reverse order");
        inner.close();
        outer.close();
        assertThat(t.isReleased()).as("the retried close releases").isTrue();
        Tensor after = o.zeros(2);
        try (Scope s = ctx.openScope()) {
            assertThat(s.ownedCount()).isZero();
        }
        assertThat(after.isReleased()).as("no scope is left open").isFalse();
    }

    @Test
    void viewsOfReleasedTensorsThrowToo() {
        Tensor view;
        try (Scope s = ctx.openScope()) {
            view = o.reshape(o.full(Shape.of(2, 3), DType.F32, 1), 6);
        }
        assertThat(view.isReleased()).isTrue();
        assertThatThrownBy(view::toFloatArray).isInstanceOf(IllegalStateException.class).hasMessageContaining("released");
    }

    @Test
    void keepingAViewKeepsItsStorage() {
        Tensor total;
        try (Scope s = ctx.openScope()) {
            Tensor x = o.full(Shape.of(3, 4), DType.F64, 0.5);
            total = s.keep(o.sum(x)); // a reshaped view of the (1, 1) sum
        }
        assertThat(total.isReleased()).isFalse();
        assertThat(total.item()).isEqualTo(6.0);
    }

    @Test
    void repeatedStepsReuseThePool() {
        ReferenceBackend be = (ReferenceBackend) ctx.backend();
        Tensor x = ctx.allocatePersistent(Shape.of(64, 32), DType.F32, true);
        step(x);
        long reusesAfterFirst = be.pooledReuses(), createdAfterFirst = be.pooledCreations();
        step(x);
        step(x);
        assertThat(be.pooledReuses()).isGreaterThan(reusesAfterFirst);
        assertThat(be.pooledCreations()).as("no new arrays once the pool is warm").isEqualTo(createdAfterFirst);
    }

    private void step(Tensor x) {
        try (Scope s = ctx.openScope()) {
            Tensor y = o.gelu(o.addScalar(x, 1));
            o.sum(o.mul(y, y), false, 1);
        }
    }
}
