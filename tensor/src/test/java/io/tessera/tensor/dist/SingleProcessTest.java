package io.tessera.tensor.dist;

import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SingleProcessTest {

    @Test
    void aWorldOfOneLeavesBuffersAsTheyAre() {
        try (Collective c = Collective.single()) {
            assertThat(c.rank()).isZero();
            assertThat(c.worldSize()).isEqualTo(1);
            float[] f = {1.5f, -2f, 3.25f, 7f};
            c.allReduceSum(f, 1, 2);
            c.allReduceMean(f);
            c.broadcast(f, 0, 4, 0);
            assertThat(f).containsExactly(1.5f, -2f, 3.25f, 7f);
            double[] d = {0.1, 1e300, -4};
            c.allReduceMean(d, 0, 3);
            c.allReduceSum(d);
            c.broadcast(d, 2, 1, 0);
            assertThat(d).containsExactly(0.1, 1e300, -4);
            c.barrier();
        }
    }

    @Test
    void segmentsAndHostTensorsAreAcceptedUnchanged() {
        try (Collective c = Collective.single(); Arena a = Arena.ofConfined(); ExecutionContext ctx = ExecutionContext.reference(1)) {
            MemorySegment s = a.allocateFrom(ValueLayout.JAVA_FLOAT, 1f, 2f, 3f);
            c.allReduceMean(s, DType.F32);
            c.broadcast(s, DType.F32, 0);
            assertThat(s.toArray(ValueLayout.JAVA_FLOAT)).containsExactly(1f, 2f, 3f);
            Tensor t = ctx.ops().tensor(new double[] {5, 6, 7, 8}, 2, 2);
            c.allReduceSum(t);
            c.allReduceMean(t);
            c.broadcast(t, 0);
            assertThat(t.toDoubleArray()).containsExactly(5, 6, 7, 8);
        }
    }

    @Test
    void meanDividesTheSumByTheWorldSize() {
        // a fake group of 4 whose sum multiplies by 4, to check the mean's one division per element
        Collective four = new Collective() {
            public int rank() { return 0; }
            public int worldSize() { return 4; }
            public void allReduceSum(float[] x, int o, int n) { for (int i = o; i < o + n; i++) x[i] *= 4; }
            public void allReduceSum(double[] x, int o, int n) { for (int i = o; i < o + n; i++) x[i] *= 4; }
            public void allReduceSum(MemorySegment x, DType dt) {
                for (long i = 0; i < x.byteSize() / 4; i++) x.setAtIndex(ValueLayout.JAVA_FLOAT, i, 4 * x.getAtIndex(ValueLayout.JAVA_FLOAT, i));
            }
            public void broadcast(float[] x, int o, int n, int r) { }
            public void broadcast(double[] x, int o, int n, int r) { }
            public void broadcast(MemorySegment x, DType dt, int r) { }
            public void barrier() { }
            public void close() { }
        };
        float[] f = {0.1f, 3f, -7f};
        four.allReduceMean(f, 0, 2);
        assertThat(f).containsExactly(0.1f * 4 / 4, 3f, -7f);
        double[] d = {1.0 / 3, 2};
        four.allReduceMean(d, 0, 2);
        assertThat(d).containsExactly(1.0 / 3 * 4 / 4, 2);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocateFrom(ValueLayout.JAVA_FLOAT, 0.3f, 5f);
            four.allReduceMean(s, DType.F32);
            assertThat(s.toArray(ValueLayout.JAVA_FLOAT)).containsExactly(0.3f * 4 / 4, 5f);
        }
    }

    @Test
    void badSpansDtypesAndRootsAreRefusedInOneLine() {
        Collective c = Collective.single();
        assertThatThrownBy(() -> c.allReduceSum(new float[4], 2, 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("allReduceSum: span [2, 5) of 3 elements does not fit an array of 4");
        assertThatThrownBy(() -> c.allReduceSum(new double[4], -1, 1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("span [-1, 0)");
        assertThatThrownBy(() -> c.broadcast(new float[4], 0, 4, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("broadcast: root 1 is not a rank of this group (0..0)");
        try (Arena a = Arena.ofConfined(); ExecutionContext ctx = ExecutionContext.reference(1)) {
            assertThatThrownBy(() -> c.allReduceSum(a.allocate(6), DType.F32))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("6 bytes is not a whole number of F32 elements");
            assertThatThrownBy(() -> c.broadcast(a.allocate(8), DType.I32, 0))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("broadcast: collectives move F32 or F64 buffers, got I32");
            assertThatThrownBy(() -> c.allReduceSum(ctx.ops().indices(new int[] {1, 2}, 2)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not a host F32 or F64 tensor");
        }
    }

    @Test
    void aClosedCollectiveRefusesFurtherCalls() {
        Collective c = Collective.single();
        c.close();
        c.close();
        assertThatThrownBy(c::barrier).isInstanceOf(IllegalStateException.class).hasMessage("barrier: the single-process collective is closed");
        assertThatThrownBy(() -> c.allReduceSum(new float[1])).isInstanceOf(IllegalStateException.class);
    }
}
