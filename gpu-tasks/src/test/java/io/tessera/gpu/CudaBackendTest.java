/*
 * What only the CUDA backend has: cuBLAS (FP32 and TF32) as the matrix-product engine against the
 * scalar reference on transposed, batched, shared-operand and offset operands; the engine named
 * in the kernel profile; NVRTC build failures carrying the compiler's log; launch failures
 * naming the driver's status; compiled modules found again in the disk cache. Skipped where no
 * CUDA device is present, except the typed error for a missing driver library, which holds
 * everywhere. The whole op catalog runs on CUDA through the parity tests with
 * -Dtessera.test.gpu=cuda.
 */
package io.tessera.gpu;

import io.tessera.tensor.DType;
import io.tessera.tensor.Shape;
import io.tessera.tensor.Tensor;
import io.tessera.tensor.cpu.ReferenceBackend;
import io.tessera.tensor.spi.Backend;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Optional;

import static io.tessera.tensor.Tolerance.assertClose;
import static io.tessera.gpu.GpuFixture.randn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Tag("gpu")
class CudaBackendTest {
    private static final ReferenceBackend REF = new ReferenceBackend();

    @Test
    void aMissingDriverLibraryIsATypedError() {
        Path nowhere = Path.of("no-such-dir", "libcuda.so.1");
        CudaDevice.Options o = CudaDevice.Options.defaults();
        CudaDevice.Options bad = new CudaDevice.Options(Optional.of(nowhere), o.nvrtcLibrary(), o.cublasLibrary(), 0, ProgramCache.memoryOnly());
        assertThatThrownBy(() -> CudaDevice.open(bad)).isInstanceOf(GpuUnavailableException.class)
                .hasMessageContaining("cuda unavailable").hasMessageContaining(nowhere.toString());
    }

    @Test
    void aMissingNvrtcIsATypedError() {
        CudaDevice.Options o = CudaDevice.Options.defaults();
        GpuFixture.cudaDevice();
        Path nowhere = Path.of("no-such-dir", "libnvrtc.so");
        CudaDevice.Options bad = new CudaDevice.Options(o.cudaLibrary(), Optional.of(nowhere), o.cublasLibrary(), 0, ProgramCache.memoryOnly());
        assertThatThrownBy(() -> CudaDevice.open(bad)).isInstanceOf(GpuUnavailableException.class).hasMessageContaining(nowhere.toString());
    }

    private static Tensor make(Backend be, int offset, float[] data, int... dims) {
        Shape s = Shape.of(dims);
        Tensor t = new Tensor(be, s, DType.F32, be.allocate(DType.F32, offset + s.size() + 2, false), offset);
        be.write(t, data.clone());
        return t;
    }

    /** c = alpha·op(a)·op(b) + beta·c on cuBLAS and on the reference, for one case. */
    private static void product(CudaBackend be, double rtol, int batchA, int batchB, int m, int n, int k, boolean ta, boolean tb, double beta) {
        int batch = Math.max(batchA, batchB);
        int[] ad = ta ? new int[]{batchA, k, m} : new int[]{batchA, m, k}, bd = tb ? new int[]{batchB, n, k} : new int[]{batchB, k, n};
        float[] av = randn(m * 31L + k, batchA * m * k, 1), bv = randn(n * 17L + k, batchB * k * n, 1), cv = randn(5, batch * m * n, 1);
        Tensor a = make(be, 3, av, ad), b = make(be, 1, bv, bd), c = make(be, 2, cv, batch, m, n);
        Tensor ra = make(REF, 0, av, ad), rb = make(REF, 0, bv, bd), rc = make(REF, 0, cv, batch, m, n);
        be.matmul(c, a, b, ta, tb, 0.5, beta);
        REF.matmul(rc, ra, rb, ta, tb, 0.5, beta);
        String what = be.matmulEngine() + " batch " + batchA + "x" + batchB + " (" + m + "," + n + "," + k + ") ta=" + ta + " tb=" + tb + " beta=" + beta;
        assertClose(what, be.readF32(c), REF.readF64(rc), rtol * Math.sqrt(Math.max(k, 1)), rtol);
    }

    @Test
    void cublasProductsMatchTheReference() {
        for (CudaBackend.MatmulEngine engine : new CudaBackend.MatmulEngine[]{CudaBackend.MatmulEngine.CUBLAS, CudaBackend.MatmulEngine.CUBLAS_TF32}) {
            double rtol = engine == CudaBackend.MatmulEngine.CUBLAS ? 1e-5 : 5e-3;
            try (CudaBackend be = CudaBackend.on(GpuFixture.cudaDevice(), engine)) {
                for (boolean ta : new boolean[]{false, true}) {
                    for (boolean tb : new boolean[]{false, true}) {
                        product(be, rtol, 1, 1, 67, 45, 130, ta, tb, 0);
                        product(be, rtol, 3, 3, 17, 9, 33, ta, tb, 1);
                        product(be, rtol, 4, 1, 5, 64, 7, ta, tb, 0.5);
                    }
                }
                product(be, rtol, 1, 1, 8, 8, 0, false, false, 0.5); // k = 0: c = beta·c
            }
        }
    }

    @Test
    void theProfileNamesTheEngineThatRan() {
        try (CudaBackend be = CudaBackend.on(GpuFixture.cudaDevice(), CudaBackend.MatmulEngine.CUBLAS)) {
            Tensor a = make(be, 0, randn(1, 64 * 64, 1), 1, 64, 64), c = make(be, 0, new float[64 * 64], 1, 64, 64);
            be.profiling(true);
            be.matmul(c, a, a, false, false, 1, 0);
            be.matmul(c, a, a, true, false, 1, 0);
            assertThat(be.kernelProfile()).singleElement().satisfies(t -> {
                assertThat(t.kernel()).isEqualTo("cublasSgemm");
                assertThat(t.launches()).isEqualTo(2);
                assertThat(t.nanos()).isPositive();
            });
        }
        try (CudaBackend be = CudaBackend.on(GpuFixture.cudaDevice(), CudaBackend.MatmulEngine.TILED)) {
            Tensor a = make(be, 0, randn(1, 64 * 64, 1), 1, 64, 64), c = make(be, 0, new float[64 * 64], 1, 64, 64);
            be.profiling(true);
            be.matmul(c, a, a, false, false, 1, 0);
            assertThat(be.kernelProfile()).singleElement().satisfies(t -> assertThat(t.kernel()).startsWith("sgemm (sgemm.kc"));
        }
    }

    @Test
    void aBuildFailureCarriesNvrtcsLog() {
        CudaDevice dev = GpuFixture.cudaDevice();
        KernelSource broken = new KernelSource("broken.kc", "KERNEL void broken(GLOBAL float* x, int x_off) { x[x_off] = not_declared_anywhere; }\n");
        assertThatThrownBy(() -> dev.function(broken, "broken", Defines.of("WG", 64)))
                .isInstanceOfSatisfying(KernelBuildException.class, e -> {
                    assertThat(e.dialect()).isEqualTo(Dialect.CUDA);
                    assertThat(e.file()).isEqualTo("broken.kc");
                    assertThat(e.options()).contains("-DWG=64").contains("--gpu-architecture=sm_");
                    assertThat(e.buildLog()).contains("not_declared_anywhere").contains("broken.kc");
                });
    }

    @Test
    void aLaunchFailureNamesTheDriverStatus() {
        CudaDevice dev = GpuFixture.cudaDevice();
        try (CudaLauncher launcher = new CudaLauncher(dev); CudaBackend be = CudaBackend.on(dev, CudaBackend.MatmulEngine.TILED)) {
            Tensor x = make(be, 0, new float[8], 8);
            Launcher.Fn fn = launcher.fn(Kernels.UNARY_FORWARD, Defines.none());
            assertThatThrownBy(() -> launcher.launch(fn, Grid.groups(new int[]{1}, new int[]{4096}), x, x, 8, 0))
                    .isInstanceOfSatisfying(NativeException.class, e -> {
                        assertThat(e.call()).isEqualTo("cuLaunchKernel");
                        assertThat(e.statusName()).startsWith("CUDA_ERROR_");
                        assertThat(e.getMessage()).contains("unary_forward").contains("4096");
                    });
        }
    }

    @Test
    void compiledModulesAreFoundAgainOnDisk(@TempDir Path dir) {
        GpuFixture.cudaDevice();
        CudaDevice.Options o = CudaDevice.Options.defaults().withCache(ProgramCache.onDisk(dir));
        try (CudaDevice first = CudaDevice.open(o)) {
            first.function(Kernels.AFFINE_FORWARD.source(), "affine_forward", Defines.none());
            assertThat(first.cacheStats().sourceBuilds()).isEqualTo(1);
        }
        try (CudaDevice second = CudaDevice.open(o)) {
            second.function(Kernels.AFFINE_FORWARD.source(), "affine_forward", Defines.none());
            second.function(Kernels.ACCUMULATE.source(), "accumulate", Defines.none());
            assertThat(second.cacheStats()).isEqualTo(new CudaDevice.CacheStats(1, 1, 0));
        }
    }
}
