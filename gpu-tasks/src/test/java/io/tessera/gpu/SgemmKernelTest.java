/*
 * sgemm.kc on a real OpenCL device (PoCL in CI) against a float64 triple loop: sizes that are
 * not multiples of the tiles, a batch sharing one B (stride 0), alpha and beta (C read), A and
 * B stored plain and transposed, 1 x 1 x 1, and the standard tiling once.
 */
package io.tessera.gpu;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static io.tessera.tensor.Tolerance.assertClose;
import static io.tessera.gpu.GpuFixture.randn;

@Tag("gpu")
class SgemmKernelTest {

    @Test
    void bothStoragesOfAAndBMatchTheFloat64ReferenceAtAwkwardSizes() {
        // The TRANS_A and TRANS_B paths are independent (separate staging loads), so plain and
        // both-transposed cover every load path; the README example runs (false, true). The
        // small tiling keeps PoCL's compile and run time low.
        int[][] sizes = {{2, 67, 45, 33}, {1, 1, 1, 1}, {3, 5, 70, 17}};
        check(SgemmTiling.small(false, false), sizes, 41);
        check(SgemmTiling.small(true, true), sizes, 42);
    }

    @Test
    void standardTilingMatchesTheFloat64Reference() {
        check(SgemmTiling.standard(false, false), new int[][]{{1, 67, 130, 40}}, 43);
    }

    /**
     * C = 0.5·op(A)·op(B) + 2·C (beta = 0 when M = 1, so C is not read) with one B shared by the
     * batch, for each (batch, M, N, K) in {@code sizes}.
     */
    private static void check(SgemmTiling tiling, int[][] sizes, long seed) {
        OpenClDevice dev = GpuFixture.device();
        boolean ta = tiling.transA(), tb = tiling.transB();
        Kernel sgemm = dev.kernel(Kernels.SGEMM, tiling.defines());
        for (int[] s : sizes) {
            int batch = s[0], m = s[1], n = s[2], k = s[3];
            float alpha = 0.5f, beta = m == 1 ? 0f : 2f;
            float[] av = randn(seed, batch * m * k, 1.0), bv = randn(seed + 1, k * n, 1.0), cv = randn(seed + 2, batch * m * n, 1.0);
            if (beta == 0) java.util.Arrays.fill(cv, Float.NaN); // must not be read
            try (DeviceArray a = dev.floats("a", av); DeviceArray b = dev.floats("b", bv); DeviceArray c = dev.floats("c", cv);
                 ExecutionPlan plan = new TaskGraph("sgemm")
                         .transferToDevice(Transfer.EVERY_EXECUTION, a, b, c)
                         .task(sgemm, tiling.grid(m, n, batch), Arg.readWrite(c), Arg.read(a), Arg.read(b),
                                 Arg.i32(m), Arg.i32(n), Arg.i32(k), Arg.i32(m * k), Arg.i32(0), Arg.i32(m * n), Arg.f32(alpha), Arg.f32(beta))
                         .transferToHost(Transfer.EVERY_EXECUTION, c)
                         .freeze()) {
                plan.execute();
                double[] want = new double[batch * m * n];
                for (int z = 0; z < batch; z++) {
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < n; j++) {
                            double acc = 0;
                            for (int p = 0; p < k; p++) {
                                double x = ta ? av[z * m * k + p * m + i] : av[z * m * k + i * k + p];
                                double y = tb ? bv[j * k + p] : bv[p * n + j];
                                acc += x * y;
                            }
                            int o = z * m * n + i * n + j;
                            want[o] = alpha * acc + (beta == 0 ? 0 : beta * cv[o]);
                        }
                    }
                }
                assertClose("sgemm " + tiling + " (batch, M, N, K) = (" + batch + ", " + m + ", " + n + ", " + k + ") seed=" + seed,
                        c.toFloatArray(), want, 1e-4, 1e-4);
            }
        }
    }
}
