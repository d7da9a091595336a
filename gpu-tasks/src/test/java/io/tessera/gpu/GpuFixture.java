/*
 * Test support: one OpenCL device per test JVM (PoCL in CI), opened on first use with a
 * program cache under target/, and the assumption that skips @Tag("gpu") tests when no
 * platform exists (a failure under CI=true, see OpenClRequirement). The backend-level parity tests run on the runtime the system property
 * tessera.test.gpu names: "opencl" (the default) or "cuda" (the first CUDA device, skipped when
 * none is present). Also the seeded random data the kernel tests share (their tolerance is
 * io.tessera.tensor.Tolerance, from the tensor test-jar).
 */
package io.tessera.gpu;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Path;
import java.util.SplittableRandom;

final class GpuFixture {
    private GpuFixture() {
    }

    /** The tests' program cache, under target/ (never the user's home). */
    static final ProgramCache CACHE = ProgramCache.onDisk(Path.of("target", "kernel-cache"));

    private static OpenClDevice device;
    private static String unavailable;

    /** The OpenCL platform and device the tests open (system properties; default 0 and 0). */
    static final String PLATFORM_PROPERTY = "tessera.test.opencl.platform", DEVICE_PROPERTY = "tessera.test.opencl.device";

    /** The shared device; skips the calling test when OpenCL has no platform here (fails it under CI=true). */
    static synchronized OpenClDevice device() {
        if (device == null && unavailable == null) {
            try {
                device = OpenClDevice.open(OpenClDevice.Options.defaults().withCache(CACHE)
                        .withDevice(Integer.getInteger(PLATFORM_PROPERTY, 0), Integer.getInteger(DEVICE_PROPERTY, 0)));
            } catch (GpuUnavailableException e) {
                unavailable = e.getMessage();
            }
        }
        if (device == null) OpenClRequirement.missing(unavailable);
        return device;
    }

    /** The runtime the backend-level parity tests run on: the system property {@value #RUNTIME_PROPERTY}, default "opencl". */
    static final String RUNTIME_PROPERTY = "tessera.test.gpu";

    private static CudaDevice cuda;
    private static String cudaUnavailable;

    /** A fresh backend (the caller closes it) on the shared device of the runtime under test; skips the test when it is absent. */
    static GpuBackend backend() {
        return switch (computeDevice()) {
            case CudaDevice cuda -> CudaBackend.on(cuda, CudaBackend.MatmulEngine.TILED);
            case OpenClDevice cl -> ClBackend.on(cl);
        };
    }

    /** The shared device of the runtime under test (OpenCL or CUDA); skips the test when it is absent. */
    static ComputeDevice computeDevice() {
        String runtime = System.getProperty(RUNTIME_PROPERTY, "opencl");
        return switch (runtime) {
            case "opencl" -> device();
            case "cuda" -> cudaDevice();
            default -> throw new IllegalArgumentException(RUNTIME_PROPERTY + "=" + runtime + ": expected opencl or cuda");
        };
    }

    /** The shared CUDA device; skips the calling test when CUDA (driver, NVRTC or a device) is absent here. */
    static synchronized CudaDevice cudaDevice() {
        if (cuda == null && cudaUnavailable == null) {
            try {
                cuda = CudaDevice.open(CudaDevice.Options.defaults().withCache(CACHE));
            } catch (GpuUnavailableException e) {
                cudaUnavailable = e.getMessage();
            }
        }
        Assumptions.assumeTrue(cuda != null, () -> "no CUDA device: " + cudaUnavailable);
        return cuda;
    }

    /** Gaussian floats scaled by {@code scale}. */
    static float[] randn(long seed, int n, double scale) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            double u1 = r.nextDouble(), u2 = r.nextDouble();
            v[i] = (float) (scale * Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2));
        }
        return v;
    }
}
