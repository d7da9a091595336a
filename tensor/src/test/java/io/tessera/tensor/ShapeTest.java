package io.tessera.tensor;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Shape: sizes, strides, negative axes, derived shapes and NumPy broadcasting rules and errors. */
class ShapeTest {

    @Test
    void sizesStridesAndAxes() {
        Shape s = Shape.of(2, 3, 4);
        assertThat(s.size()).isEqualTo(24);
        assertThat(s.strides()).containsExactly(12, 4, 1);
        assertThat(s.dim(-1)).isEqualTo(4);
        assertThat(s.axis(-3)).isEqualTo(0);
        assertThat(s.outer(1)).isEqualTo(2);
        assertThat(s.inner(1)).isEqualTo(4);
        assertThat(s.with(-1, 7)).isEqualTo(Shape.of(2, 3, 7));
        assertThat(s.without(1)).isEqualTo(Shape.of(2, 4));
        assertThat(Shape.scalar().size()).isEqualTo(1);
        assertThat(Shape.scalar().rank()).isZero();
        assertThat(Shape.of(3, 0).size()).isZero();
        assertThat(s.toString()).isEqualTo("(2, 3, 4)");
        int[] dims = {5, 6};
        Shape copy = Shape.of(dims);
        dims[0] = 9;
        assertThat(copy.dim(0)).as("dims are copied in").isEqualTo(5);
        copy.dims()[1] = 9;
        assertThat(copy.dim(1)).as("dims are copied out").isEqualTo(6);
    }

    @Test
    void badShapesAndAxesThrow() {
        assertThatThrownBy(() -> Shape.of(2, -1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("negative");
        assertThatThrownBy(() -> Shape.of(1 << 16, 1 << 16)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2^31");
        assertThatThrownBy(() -> Shape.of(2, 3).axis(2)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("(2, 3)");
        assertThatThrownBy(() -> Shape.of(2, 3).dim(-3)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void broadcastingRules() {
        assertThat(Shape.broadcast(Shape.of(4, 1, 3), Shape.of(5, 1))).isEqualTo(Shape.of(4, 5, 3));
        assertThat(Shape.broadcast(Shape.of(7, 3), Shape.of(3))).isEqualTo(Shape.of(7, 3));
        assertThat(Shape.broadcast(Shape.scalar(), Shape.of(2, 2))).isEqualTo(Shape.of(2, 2));
        assertThat(Shape.broadcast(Shape.of(1), Shape.scalar())).isEqualTo(Shape.of(1));
        assertThat(Shape.broadcast(Shape.of(0, 1), Shape.of(1, 3))).isEqualTo(Shape.of(0, 3));
        assertThat(Shape.broadcast(Shape.of(2, 3), Shape.of(2, 3))).isEqualTo(Shape.of(2, 3));
        assertThatThrownBy(() -> Shape.broadcast(Shape.of(2, 3), Shape.of(4, 3)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("(2, 3)").hasMessageContaining("(4, 3)")
                .hasMessageContaining("2 vs 4");
        assertThatThrownBy(() -> Shape.broadcast(Shape.of(3), Shape.of(2, 4))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void opsRejectNonBroadcastingOperands() {
        Ops o = ExecutionContext.reference(1).ops();
        assertThatThrownBy(() -> o.add(o.zeros(2, 3), o.zeros(2))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("(2, 3)").hasMessageContaining("(2)");
    }
}
