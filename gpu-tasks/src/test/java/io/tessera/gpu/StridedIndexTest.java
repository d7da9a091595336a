/*
 * StridedIndex, the host-side index simplification of the OpenCL tensor kernels (no device
 * needed): merging of contiguous axes, broadcast strides, the leading-axis split for spaces
 * longer than a kernel takes, and the shape errors.
 */
package io.tessera.gpu;

import io.tessera.tensor.Shape;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StridedIndexTest {

    @Test
    void contiguousAxesMergeAndSizeOneAxesDrop() {
        int[] dims = {2, 1, 3, 4};
        StridedIndex s = StridedIndex.of(dims, StridedIndex.contiguous(dims));
        assertThat(s.dims()).containsExactly(24);
        assertThat(s.strides()[0]).containsExactly(1);
        StridedIndex one = StridedIndex.of(new int[]{1, 1}, new int[]{0, 0}, new int[]{5, 1});
        assertThat(one.dims()).containsExactly(1);
        assertThat(one.size()).isEqualTo(1);
    }

    @Test
    void broadcastAxesMergeOnlyWithAxesOfTheSamePattern() {
        Shape out = Shape.of(2, 3, 4, 5);
        int[] a = StridedIndex.broadcast("t", out, Shape.of(3, 1, 1)), b = StridedIndex.broadcast("t", out, Shape.of(2, 1, 4, 5));
        assertThat(a).containsExactly(0, 1, 0, 0);
        assertThat(b).containsExactly(20, 0, 5, 1);
        StridedIndex s = StridedIndex.of(out.dims(), StridedIndex.contiguous(out.dims()), a, b);
        assertThat(s.dims()).containsExactly(2, 3, 20);
        assertThat(s.strides()[0]).containsExactly(60, 20, 1);
        assertThat(s.strides()[1]).containsExactly(0, 1, 0);
        assertThat(s.strides()[2]).containsExactly(20, 0, 1);
    }

    @Test
    void aPermutationKeepsOnlyTheAxesThatStayNeighbours() {
        // x (2, 3, 4, 5) permuted by (0, 2, 3, 1): axes 2 and 3 stay together
        int[] od = {2, 4, 5, 3}, step = {60, 5, 1, 20};
        StridedIndex s = StridedIndex.of(od, StridedIndex.contiguous(od), step);
        assertThat(s.dims()).containsExactly(2, 20, 3);
        assertThat(s.strides()[1]).containsExactly(60, 1, 20);
    }

    @Test
    void leadingOffsetsEnumerateTheAxesBeyondWhatAKernelTakes() {
        StridedIndex s = new StridedIndex(new int[]{2, 3, 7}, new int[][]{{21, 7, 1}, {1, 2, 6}});
        assertThat(s.leadingOffsets(3)).hasDimensions(1, 2);
        long[][] off = s.leadingOffsets(1);
        assertThat(off).hasDimensions(6, 2);
        assertThat(off[4]).containsExactly(21 + 7, 1 + 2); // index (1, 1)
        assertThat(s.tail(1).dims()).containsExactly(7);
        assertThat(s.tail(1).strides()[1]).containsExactly(6);
    }

    @Test
    void aShapeThatDoesNotBroadcastIsRejectedNamingTheOp() {
        assertThatThrownBy(() -> StridedIndex.broadcast("binary ADD", Shape.of(3, 4), Shape.of(5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("binary ADD: shape (5) does not broadcast to (3, 4)");
        assertThatThrownBy(() -> StridedIndex.broadcast("sumTo", Shape.of(4), Shape.of(2, 4)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sumTo");
    }
}
