package io.tessera.tensor.cpu;

import io.tessera.tensor.DType;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Shape;
import io.tessera.tensor.Tensor;
import io.tessera.tensor.spi.Backend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** AdamW and momentum updates: Vector API kernels against the double reference, tails included. */
class OptimKernelParityTest {

    private static Tensor filled(Backend be, int n, long seed, double scale) {
        Rng r = new Rng(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (scale * r.nextGaussian());
        Tensor t = new Tensor(be, Shape.of(n), DType.F32, be.allocate(DType.F32, n, false), 0);
        be.write(t, v);
        return t;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 8, 9, 33, 100_003})
    void adamwMatchesReference(int n) {
        Backend ref = new ReferenceBackend();
        for (Backend simd : new Backend[]{new CpuBackend(1), new CpuBackend(2), new CpuBackend(1, 128)}) {
            Tensor p1 = filled(ref, n, 1, 1), m1 = filled(ref, n, 2, 0.1), v1 = filled(ref, n, 3, 0.01), g = filled(ref, n, 4, 1);
            for (int i = 0; i < n; i++) v1.f32()[i] = Math.abs(v1.f32()[i]);
            Tensor p2 = filled(simd, n, 1, 1), m2 = filled(simd, n, 2, 0.1), v2 = filled(simd, n, 3, 0.01), g2 = filled(simd, n, 4, 1);
            for (int i = 0; i < n; i++) v2.f32()[i] = Math.abs(v2.f32()[i]);
            for (int step = 1; step <= 3; step++) {
                ref.adamwUpdate(p1, m1, v1, g, 1e-2, 0.9, 0.95, 1e-8, 0.05, step);
                simd.adamwUpdate(p2, m2, v2, g2, 1e-2, 0.9, 0.95, 1e-8, 0.05, step);
            }
            for (int i = 0; i < n; i++) {
                assertThat(p2.f32()[i]).as("%s p[%d]", simd.name(), i).isCloseTo(p1.f32()[i], within(2e-6f * (1 + Math.abs(p1.f32()[i]))));
                assertThat(m2.f32()[i]).isCloseTo(m1.f32()[i], within(1e-6f));
                assertThat(v2.f32()[i]).isCloseTo(v1.f32()[i], within(1e-6f));
            }
            simd.close();
        }
    }

    @Test
    void segmentedAdamwIsOneUpdatePerSegment() {
        int n = 120;
        int[] offsets = {0, 10, 50, 51}, sizes = {10, 30, 0, 60}; // [40, 50) and [111, 120) stay frozen
        double[] lr = {1e-2, 3e-3, 1e-2, 1e-2}, wd = {0.05, 0.0, 0.05, 0.0};
        for (Backend be : new Backend[]{new ReferenceBackend(), new CpuBackend(2)}) {
            Tensor p1 = filled(be, n, 1, 1), m1 = filled(be, n, 2, 0), v1 = filled(be, n, 2, 0);
            Tensor p2 = filled(be, n, 1, 1), m2 = filled(be, n, 2, 0), v2 = filled(be, n, 2, 0), g = filled(be, n, 4, 1);
            float[] start = p1.f32().clone();
            for (int step = 1; step <= 2; step++) {
                be.adamwUpdateSegments(p1, m1, v1, g, offsets, sizes, lr, wd, 0.9, 0.95, 1e-8, step);
                for (int s = 0; s < offsets.length; s++) {
                    int o = offsets[s], z = sizes[s];
                    be.adamwUpdate(p2.narrow0(o, z), m2.narrow0(o, z), v2.narrow0(o, z), g.narrow0(o, z), lr[s], 0.9, 0.95, 1e-8, wd[s], step);
                }
            }
            assertThat(p1.f32()).as(be.name()).isEqualTo(p2.f32());
            assertThat(m1.f32()).isEqualTo(m2.f32());
            assertThat(v1.f32()).isEqualTo(v2.f32());
            for (int i = 40; i < 50; i++) assertThat(p1.f32()[i]).as("frozen %d", i).isEqualTo(start[i]);
            assertThat(p1.f32()[115]).isEqualTo(start[115]);
            assertThat(p1.f32()[5]).isNotEqualTo(start[5]);
            assertThatThrownBy(() -> be.adamwUpdateSegments(p1, m1, v1, g, new int[]{0, 5}, new int[]{10, 1}, new double[]{1, 1},
                    new double[]{0, 0}, 0.9, 0.95, 1e-8, 1)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("segment 1 [5, 6) has a negative size, starts before the previous one ends");
            assertThatThrownBy(() -> be.adamwUpdateSegments(p1, m1, v1, g, new int[]{0}, new int[]{10}, new double[]{1, 1},
                    new double[]{0}, 0.9, 0.95, 1e-8, 1)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("one of each per segment");
            assertThatThrownBy(() -> be.adamwUpdateSegments(p1, m1, v1, g, new int[]{100}, new int[]{21}, new double[]{1},
                    new double[]{0}, 0.9, 0.95, 1e-8, 1)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("ends past the 120 parameters");
            be.close();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 5, 16, 17, 65_537})
    void momentumMatchesReference(int n) {
        Backend ref = new ReferenceBackend();
        try (CpuBackend simd = new CpuBackend(2)) {
            Tensor p1 = filled(ref, n, 1, 1), b1 = filled(ref, n, 2, 0.1), g = filled(ref, n, 3, 1);
            Tensor p2 = filled(simd, n, 1, 1), b2 = filled(simd, n, 2, 0.1), g2 = filled(simd, n, 3, 1);
            for (int step = 0; step < 3; step++) {
                ref.momentumUpdate(p1, b1, g, 0.1, 0.9, 1e-4, 0.7);
                simd.momentumUpdate(p2, b2, g2, 0.1, 0.9, 1e-4, 0.7);
            }
            for (int i = 0; i < n; i++) {
                assertThat(p2.f32()[i]).isCloseTo(p1.f32()[i], within(1e-5f));
                assertThat(b2.f32()[i]).isCloseTo(b1.f32()[i], within(1e-5f));
            }
        }
    }
}
