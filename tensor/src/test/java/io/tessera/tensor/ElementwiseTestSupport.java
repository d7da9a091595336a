package io.tessera.tensor;

import io.tessera.tensor.cpu.CpuBackend;
import io.tessera.tensor.cpu.ReferenceBackend;
import io.tessera.tensor.spi.Backend;

import java.util.List;
import java.util.function.DoubleUnaryOperator;

/**
 * Shared pieces of the CPU parity tests: the backends under test (1 thread, 2 threads, a fixed
 * 128-bit width), persistent tensors filled from seeded data on any backend, and an
 * element-by-element comparison that names the case, the seed and the first bad index.
 * Not a test itself.
 */
final class ElementwiseTestSupport {
    private ElementwiseTestSupport() {
    }

    /** The reference every kernel is compared with. */
    static final ReferenceBackend REF = new ReferenceBackend();

    /** The SIMD backends under test; shared by the parity tests (their pools are daemon-free fork-join pools). */
    static final List<CpuBackend> SIMD = List.of(new CpuBackend(1), new CpuBackend(2), new CpuBackend(1, 128));

    /** Seeded standard normals, as floats. */
    static float[] randn(long seed, int n) {
        Rng rng = new Rng(seed);
        float[] d = new float[n];
        for (int i = 0; i < n; i++) d[i] = (float) rng.nextGaussian();
        return d;
    }

    /** Seeded data mapped through f (to keep inputs inside a function's domain). */
    static float[] data(long seed, int n, DoubleUnaryOperator f) {
        float[] d = randn(seed, n);
        for (int i = 0; i < n; i++) d[i] = (float) f.applyAsDouble(d[i]);
        return d;
    }

    /** A persistent F32 tensor of the given data on backend be. */
    static Tensor on(Backend be, float[] data, int... dims) {
        Shape s = Shape.of(dims);
        Tensor t = new Tensor(be, s, DType.F32, be.allocate(DType.F32, s.size(), false), 0);
        be.write(t, data);
        return t;
    }

    /** A persistent I32 tensor. */
    static Tensor ints(Backend be, int[] data, int... dims) {
        Shape s = Shape.of(dims);
        Tensor t = new Tensor(be, s, DType.I32, be.allocate(DType.I32, s.size(), false), 0);
        be.write(t, data);
        return t;
    }

    /** A persistent F32 tensor of shape dims filled with the given constant. */
    static Tensor filled(Backend be, float v, int... dims) {
        float[] d = new float[Shape.of(dims).size()];
        java.util.Arrays.fill(d, v);
        return on(be, d, dims);
    }
}
