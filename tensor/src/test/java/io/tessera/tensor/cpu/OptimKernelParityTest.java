package io.tessera.tensor.cpu;

import io.tessera.tensor.DType;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Shape;
import io.tessera.tensor.Tensor;
import io.tessera.tensor.spi.Backend;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
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
