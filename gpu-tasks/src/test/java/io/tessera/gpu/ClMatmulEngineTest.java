package io.tessera.gpu;

import io.tessera.tensor.DType;
import io.tessera.tensor.Shape;
import io.tessera.tensor.Tensor;
import io.tessera.tensor.Tolerance;
import io.tessera.tensor.cpu.ReferenceBackend;
import io.tessera.tensor.spi.Backend;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The OpenCL backend's matrix products with CLBlast as the engine: the same results as the
 * reference (single, batched, shared operand, transposed, at offsets, beta ≠ 0), the engine is
 * what was asked for, and the kernel profile names the CLBlast calls. Skipped without OpenCL or
 * CLBlast.
 */
class ClMatmulEngineTest {

    private static Tensor put(Backend be, float[] data, int offset, int... dims) {
        Shape s = Shape.of(dims);
        Tensor whole = new Tensor(be, Shape.of(offset + s.size()), DType.F32, be.allocate(DType.F32, offset + s.size(), true), 0);
        Tensor t = whole.narrow0(offset, s.size()).view(s);
        be.write(t, data);
        return t;
    }

    @Test
    void clblastProductsMatchTheReferenceAndAreProfiledByName() {
        OpenClDevice dev = GpuFixture.device();
        try {
            ClBlast.load(Optional.empty());
        } catch (GpuUnavailableException e) {
            Assumptions.abort("CLBlast is not installed: " + e.getMessage());
        }
        ReferenceBackend ref = new ReferenceBackend();
        try (ClBackend be = ClBackend.on(dev, ClBackend.MatmulEngine.CLBLAST)) {
            assertThat(be.matmulEngine()).isEqualTo(ClBackend.MatmulEngine.CLBLAST);
            be.profiling(true);
            record Case(int batchA, int batchB, int m, int n, int k, boolean ta, boolean tb, double beta) {
            }
            for (Case c : List.of(new Case(1, 1, 7, 5, 33, false, true, 0), new Case(3, 1, 9, 13, 6, false, true, 0.5),
                    new Case(2, 2, 4, 17, 8, false, true, -1))) {
                int bc = Math.max(c.batchA(), c.batchB());
                float[] a = GpuFixture.randn(1, c.batchA() * c.m() * c.k(), 1), b = GpuFixture.randn(2, c.batchB() * c.k() * c.n(), 1);
                float[] c0 = GpuFixture.randn(3, bc * c.m() * c.n(), 1);
                int[] ad = c.ta() ? new int[]{c.batchA(), c.k(), c.m()} : new int[]{c.batchA(), c.m(), c.k()};
                int[] bd = c.tb() ? new int[]{c.batchB(), c.n(), c.k()} : new int[]{c.batchB(), c.k(), c.n()};
                Tensor ga = put(be, a, 5, ad), gb = put(be, b, 3, bd), gc = put(be, c0, 7, bc, c.m(), c.n());
                Tensor ra = put(ref, a, 0, ad), rb = put(ref, b, 0, bd), rc = put(ref, c0, 0, bc, c.m(), c.n());
                be.matmul(gc, ga, gb, c.ta(), c.tb(), 1.25, c.beta());
                ref.matmul(rc, ra, rb, c.ta(), c.tb(), 1.25, c.beta());
                Tolerance.assertClose(c.toString(), be.readF32(gc), ref.readF64(rc), 1e-4, 1e-4);
            }
            List<String> kernels = be.kernelProfile().stream().map(GpuBackend.KernelTime::kernel).toList();
            assertThat(kernels).contains("CLBlastSgemm", "CLBlastSgemmStridedBatched").noneMatch(k -> k.startsWith("sgemm"));
        }
    }
}
