/*
 * softmax.kc and layernorm.kc on a real OpenCL device (PoCL in CI) against float64 loops:
 * rows longer and shorter than the work-group, a single element, with and without the affine
 * parameters; softmax rows also sum to 1, and a second run gives the same bits.
 */
package io.tessera.gpu;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static io.tessera.tensor.Tolerance.assertClose;
import static io.tessera.gpu.GpuFixture.randn;
import static org.assertj.core.api.Assertions.assertThat;

@Tag("gpu")
class RowKernelTest {
    private static final int WG = 64;
    private static final int[][] SHAPES = {{5, 77}, {3, 300}, {1, 1}, {4, 64}};

    @Test
    void softmaxMatchesTheFloat64Reference() {
        OpenClDevice dev = GpuFixture.device();
        Kernel softmax = dev.kernel(Kernels.SOFTMAX_FORWARD, Defines.of("WG", WG));
        long seed = 21;
        for (int[] s : SHAPES) {
            int n = s[0], d = s[1];
            float[] xv = randn(seed, n * d, 3.0);
            try (DeviceArray x = dev.floats("x", xv); DeviceArray y = dev.floats("y", n * d);
                 ExecutionPlan plan = new TaskGraph("softmax")
                         .transferToDevice(Transfer.EVERY_EXECUTION, x)
                         .task(softmax, Grid.rows(n, WG), Arg.write(y), Arg.read(x), Arg.i32(n), Arg.i32(d))
                         .transferToHost(Transfer.EVERY_EXECUTION, y)
                         .freeze()) {
                plan.execute();
                float[] first = y.toFloatArray();
                plan.execute();
                assertThat(y.toFloatArray()).as("softmax is deterministic from run to run").isEqualTo(first);
                double[] want = new double[n * d];
                for (int r = 0; r < n; r++) {
                    double m = Double.NEGATIVE_INFINITY, sum = 0;
                    for (int j = 0; j < d; j++) m = Math.max(m, xv[r * d + j]);
                    for (int j = 0; j < d; j++) sum += Math.exp(xv[r * d + j] - m);
                    for (int j = 0; j < d; j++) want[r * d + j] = Math.exp(xv[r * d + j] - m) / sum;
                }
                float[] got = y.toFloatArray();
                assertClose("softmax (N, D) = (" + n + ", " + d + ") seed=" + seed, got, want, 1e-7, 1e-5);
                for (int r = 0; r < n; r++) {
                    double rowSum = 0;
                    for (int j = 0; j < d; j++) rowSum += got[r * d + j];
                    assertThat(rowSum).as("softmax row %d of (%d, %d) sums to 1", r, n, d).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
                }
            }
        }
    }

    @Test
    void layerNormMatchesTheFloat64ReferenceWithAndWithoutAffine() {
        OpenClDevice dev = GpuFixture.device();
        long seed = 31;
        float eps = 1e-5f;
        for (boolean affine : new boolean[]{true, false}) {
            Kernel ln = dev.kernel(Kernels.LAYERNORM_FORWARD, Defines.of("WG", WG).with("AFFINE", affine ? 1 : 0));
            for (int[] s : SHAPES) {
                int n = s[0], d = s[1];
                float[] xv = randn(seed, n * d, 2.0), wv = randn(seed + 1, d, 1.0), bv = randn(seed + 2, d, 1.0);
                for (int i = 0; i < xv.length; i++) xv[i] += 0.7f; // a non-zero mean
                try (DeviceArray x = dev.floats("x", xv); DeviceArray w = dev.floats("w", wv); DeviceArray b = dev.floats("b", bv);
                     DeviceArray y = dev.floats("y", n * d); DeviceArray mean = dev.floats("mean", n); DeviceArray rstd = dev.floats("rstd", n)) {
                    TaskGraph g = new TaskGraph("layernorm").transferToDevice(Transfer.EVERY_EXECUTION, x);
                    if (affine) {
                        g.transferToDevice(Transfer.FIRST_EXECUTION, w, b)
                                .task(ln, Grid.rows(n, WG), Arg.write(y), Arg.write(mean), Arg.write(rstd), Arg.read(x), Arg.read(w), Arg.read(b),
                                        Arg.i32(n), Arg.i32(d), Arg.f32(eps));
                    } else {
                        g.task(ln, Grid.rows(n, WG), Arg.write(y), Arg.write(mean), Arg.write(rstd), Arg.read(x), Arg.i32(n), Arg.i32(d), Arg.f32(eps));
                    }
                    try (ExecutionPlan plan = g.transferToHost(Transfer.EVERY_EXECUTION, y, mean, rstd).freeze()) {
                        plan.execute();
                    }
                    double[] wantY = new double[n * d], wantMean = new double[n], wantRstd = new double[n];
                    for (int r = 0; r < n; r++) {
                        double mu = 0, var = 0;
                        for (int j = 0; j < d; j++) mu += xv[r * d + j];
                        mu /= d;
                        for (int j = 0; j < d; j++) var += (xv[r * d + j] - mu) * (xv[r * d + j] - mu);
                        double rs = 1 / Math.sqrt(var / d + eps);
                        wantMean[r] = mu;
                        wantRstd[r] = rs;
                        for (int j = 0; j < d; j++) {
                            double v = (xv[r * d + j] - mu) * rs;
                            wantY[r * d + j] = affine ? v * wv[j] + bv[j] : v;
                        }
                    }
                    String what = "layernorm affine=" + affine + " (N, D) = (" + n + ", " + d + ") seed=" + seed;
                    assertClose(what + " y", y.toFloatArray(), wantY, 1e-4, 1e-4);
                    assertClose(what + " mean", mean.toFloatArray(), wantMean, 1e-5, 1e-5);
                    assertClose(what + " rstd", rstd.toFloatArray(), wantRstd, 1e-4, 1e-4);
                }
            }
        }
    }
}
