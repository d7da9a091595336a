/*
 * The CLBlast binding on a real OpenCL device (PoCL in CI) against a float64 reference: every
 * transpose combination at awkward sizes with offsets, padded leading dimensions, alpha and
 * beta; the strided-batched form with a shared operand (stride 0); the errors CLBlast reports
 * and the ones refused before the call; recovery after clearing CLBlast's cache; and loading
 * failures. Skips when OpenCL or CLBlast is missing.
 */
package io.tessera.gpu;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

import static io.tessera.tensor.Tolerance.assertClose;
import static io.tessera.gpu.GpuFixture.randn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Tag("gpu")
class ClBlastTest {
    private static ClBlast blast;
    private static String unavailable;

    /** The binding on the default library; skips the calling test when CLBlast is not installed. */
    private static synchronized ClBlast blast() {
        if (blast == null && unavailable == null) {
            try {
                blast = ClBlast.load(Optional.empty());
            } catch (GpuUnavailableException e) {
                unavailable = e.getMessage();
            }
        }
        Assumptions.assumeTrue(blast != null, () -> "no CLBlast: " + unavailable);
        return blast;
    }

    @Test
    void everyTransposeCombinationMatchesTheFloat64ReferenceAtAwkwardSizesWithOffsetsAndPadding() {
        OpenClDevice dev = GpuFixture.device();
        ClBlast clblast = blast();
        int[][] shapes = {{7, 33, 100}, {100, 1, 7}, {33, 100, 1}, {1, 7, 33}};
        long seed = 100;
        for (boolean ta : new boolean[]{false, true}) {
            for (boolean tb : new boolean[]{false, true}) {
                for (int[] s : shapes) {
                    int m = s[0], n = s[1], k = s[2];
                    Gemm g = new Gemm(ta, tb, m, n, k, 0.75f, -1.5f, 5, 3 + (ta ? m : k), 11, 2 + (tb ? k : n), 2, 1 + n, seed++);
                    float[] got = g.runOnce(dev, clblast);
                    assertClose("sgemm " + g, got, g.reference(), 1e-4, 1e-4);
                }
            }
        }
    }

    @Test
    void betaZeroIgnoresWhatCHeld() {
        OpenClDevice dev = GpuFixture.device();
        ClBlast clblast = blast();
        Gemm g = new Gemm(false, true, 7, 33, 100, 1f, 0f, 0, 100, 0, 100, 0, 33, 7);
        Arrays.fill(g.c, Float.NaN);
        float[] got = g.runOnce(dev, clblast);
        assertClose("sgemm " + g + " over a C of NaN", got, g.reference(), 1e-4, 1e-4);
    }

    @Test
    void stridedBatchMatchesTheReferenceWithEitherOperandSharedThroughStrideZero() {
        OpenClDevice dev = GpuFixture.device();
        ClBlast clblast = blast();
        int batch = 3, m = 7, n = 33, k = 100;
        // B shared (stride 0, stored transposed); A and C strided with a gap and an offset.
        checkBatch(dev, clblast, batch, false, true, m, n, k, 4, k, m * k + 3, 6, k, 0, 1, n, m * n + 5, 21);
        // A shared (stride 0, stored transposed); B and C packed.
        checkBatch(dev, clblast, batch, true, false, m, n, k, 0, m, 0, 0, n, k * n, 0, n, m * n, 22);
    }

    @Test
    void aLeadingDimensionTooSmallIsReportedByItsCLBlastName() {
        OpenClDevice dev = GpuFixture.device();
        ClBlast clblast = blast();
        try (DeviceArray a = dev.floats("a", 7 * 33); DeviceArray b = dev.floats("b", 33 * 5); DeviceArray c = dev.floats("c", 7 * 5)) {
            assertThatThrownBy(() -> clblast.sgemm(dev.queue(), false, false, 7, 5, 33, 1f, a.mem(), 0, 32, b.mem(), 0, 5, 0f, c.mem(), 0, 5, MemorySegment.NULL))
                    .isInstanceOfSatisfying(NativeException.class, e -> {
                        assertThat(e.runtime()).isEqualTo(ClBlast.RUNTIME);
                        assertThat(e.call()).isEqualTo("CLBlastSgemm");
                        assertThat(e.statusName()).isEqualTo("CLBlastInvalidLeadDimA");
                        assertThat(e.status()).isEqualTo(-1016);
                    })
                    .hasMessageContaining("CLBlastInvalidLeadDimA")
                    .hasMessageContaining("(m, n, k) = (7, 5, 33)")
                    .hasMessageContaining("lda 32");
            // C's rows padded to 6 need 41 elements; the buffer holds 35.
            assertThatThrownBy(() -> clblast.sgemm(dev.queue(), false, false, 7, 5, 33, 1f, a.mem(), 0, 33, b.mem(), 0, 5, 0f, c.mem(), 0, 6, MemorySegment.NULL))
                    .isInstanceOfSatisfying(NativeException.class, e -> assertThat(e.statusName()).isEqualTo("CLBlastInsufficientMemoryC"))
                    .hasMessageContaining("ldc 6");
        }
    }

    @Test
    void aClearedCacheIsRebuiltOnTheNextCall() {
        OpenClDevice dev = GpuFixture.device();
        ClBlast clblast = blast();
        Gemm first = new Gemm(false, false, 7, 33, 1, 1f, 0.5f, 0, 1, 0, 33, 0, 33, 31);
        assertClose("sgemm " + first, first.runOnce(dev, clblast), first.reference(), 1e-4, 1e-4);
        clblast.clearCache();
        Gemm second = new Gemm(false, false, 7, 33, 1, 1f, 0.5f, 0, 1, 0, 33, 0, 33, 32);
        assertClose("sgemm " + second + " after clearCache", second.runOnce(dev, clblast), second.reference(), 1e-4, 1e-4);
    }

    @Test
    void negativeSizesAreRefusedBeforeReachingCLBlast() {
        ClBlast clblast = blast();
        MemorySegment none = MemorySegment.NULL;
        assertThatThrownBy(() -> clblast.sgemm(none, false, false, -1, 4, 4, 1f, none, 0, 4, none, 0, 4, 0f, none, 0, 4, MemorySegment.NULL))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("(m, n, k) = (-1, 4, 4)");
        assertThatThrownBy(() -> clblast.sgemmStridedBatched(none, false, false, 4, 4, 4, 1f, none, 0, 4, -16, none, 0, 4, 0,
                0f, none, 0, 4, 16, 2, MemorySegment.NULL))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("strides -16/0/16");
        assertThatThrownBy(() -> clblast.sgemmStridedBatched(none, false, false, 4, 4, 4, 1f, none, 0, 4, 16, none, 0, 4, 0,
                0f, none, 0, 4, 16, 0, MemorySegment.NULL))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("batch 0");
    }

    @Test
    void statusNamesFollowTheHeaderAndUnknownCodesSaySo() {
        assertThat(ClBlast.statusName(0)).isEqualTo("CLBlastSuccess");
        assertThat(ClBlast.statusName(-1017)).isEqualTo("CLBlastInvalidDimension");
        assertThat(ClBlast.statusName(-2049)).isEqualTo("CLBlastInvalidBatchCount");
        assertThat(ClBlast.statusName(-5)).isEqualTo("CLBlastOpenCLOutOfResources");
        assertThat(ClBlast.statusName(12345)).isEqualTo("CLBlastUnknownStatus");
    }

    @Test
    void anExplicitPathThatDoesNotExistIsUnavailableNamingThePath() {
        Path missing = Path.of("target", "no-such-dir", "libclblast.so.1");
        assertThatThrownBy(() -> ClBlast.load(Optional.of(missing)))
                .isInstanceOfSatisfying(GpuUnavailableException.class, e -> assertThat(e.runtime()).isEqualTo(ClBlast.RUNTIME))
                .hasMessageContaining(missing.toString())
                .hasMessageContaining("does not exist");
    }

    @Test
    void aLibraryWithoutCLBlastFunctionsIsUnavailableNamingTheMissingFunction() {
        Optional<Path> openCl = NativeLibraries.OPENCL_PLACES.stream().filter(Files::exists).findFirst();
        if (openCl.isEmpty()) OpenClRequirement.missing("no OpenCL loader library in the usual places");
        assertThatThrownBy(() -> ClBlast.load(openCl))
                .isInstanceOf(GpuUnavailableException.class)
                .hasMessageContaining("CLBlastSgemm");
    }

    // ---- helpers --------------------------------------------------------------------------

    /** One row-major GEMM case: buffers laid out with offsets and leading dimensions, filled from {@code seed}. */
    private static final class Gemm {
        final boolean ta, tb;
        final int m, n, k, aOff, lda, bOff, ldb, cOff, ldc;
        final float alpha, beta;
        final float[] a, b, c;

        Gemm(boolean ta, boolean tb, int m, int n, int k, float alpha, float beta,
             int aOff, int lda, int bOff, int ldb, int cOff, int ldc, long seed) {
            this.ta = ta;
            this.tb = tb;
            this.m = m;
            this.n = n;
            this.k = k;
            this.alpha = alpha;
            this.beta = beta;
            this.aOff = aOff;
            this.lda = lda;
            this.bOff = bOff;
            this.ldb = ldb;
            this.cOff = cOff;
            this.ldc = ldc;
            this.a = randn(seed, aOff + (ta ? k : m) * lda, 1.0);
            this.b = randn(seed + 1000, bOff + (tb ? n : k) * ldb, 1.0);
            this.c = randn(seed + 2000, cOff + m * ldc, 1.0);
        }

        /** Uploads A, B and C, runs CLBlast, and returns the whole C buffer. */
        float[] runOnce(OpenClDevice dev, ClBlast clblast) {
            try (DeviceArray da = upload(dev, "a", a); DeviceArray db = upload(dev, "b", b); DeviceArray dc = upload(dev, "c", c)) {
                clblast.sgemm(dev.queue(), ta, tb, m, n, k, alpha, da.mem(), aOff, lda, db.mem(), bOff, ldb, beta, dc.mem(), cOff, ldc, MemorySegment.NULL);
                return download(dev, dc);
            }
        }

        /** The expected whole C buffer: the product inside the m × n window, the input elsewhere. */
        double[] reference() {
            double[] want = new double[c.length];
            for (int i = 0; i < c.length; i++) want[i] = c[i];
            product(ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, want);
            return want;
        }

        @Override
        public String toString() {
            return (ta ? "A^T" : "A") + "·" + (tb ? "B^T" : "B") + " (m, n, k) = (" + m + ", " + n + ", " + k + "), alpha " + alpha
                    + ", beta " + beta + ", offsets " + aOff + "/" + bOff + "/" + cOff + ", ld " + lda + "/" + ldb + "/" + ldc;
        }
    }

    /** Writes alpha·op(A)·op(B) + beta·C (C's term dropped when beta is 0) into the m × n window of {@code out}. */
    private static void product(boolean ta, boolean tb, int m, int n, int k, float alpha, float[] a, long aOff, int lda,
                                float[] b, long bOff, int ldb, float beta, float[] c, long cOff, int ldc, double[] out) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double acc = 0;
                for (int p = 0; p < k; p++) {
                    double x = ta ? a[(int) (aOff + (long) p * lda + i)] : a[(int) (aOff + (long) i * lda + p)];
                    double y = tb ? b[(int) (bOff + (long) j * ldb + p)] : b[(int) (bOff + (long) p * ldb + j)];
                    acc += x * y;
                }
                int o = (int) (cOff + (long) i * ldc + j);
                out[o] = alpha * acc + (beta == 0 ? 0 : beta * (double) c[o]);
            }
        }
    }

    private static void checkBatch(OpenClDevice dev, ClBlast clblast, int batch, boolean ta, boolean tb, int m, int n, int k,
                                   int aOff, int lda, long aStride, int bOff, int ldb, long bStride,
                                   int cOff, int ldc, long cStride, long seed) {
        float alpha = 1.25f, beta = 0.5f;
        float[] a = randn(seed, (int) (aOff + (batch - 1) * aStride + (long) (ta ? k : m) * lda), 1.0);
        float[] b = randn(seed + 1, (int) (bOff + (batch - 1) * bStride + (long) (tb ? n : k) * ldb), 1.0);
        float[] c = randn(seed + 2, (int) (cOff + (batch - 1) * cStride + (long) m * ldc), 1.0);
        double[] want = new double[c.length];
        for (int i = 0; i < c.length; i++) want[i] = c[i];
        for (int z = 0; z < batch; z++) {
            product(ta, tb, m, n, k, alpha, a, aOff + z * aStride, lda, b, bOff + z * bStride, ldb, beta, c, cOff + z * cStride, ldc, want);
        }
        try (DeviceArray da = upload(dev, "a", a); DeviceArray db = upload(dev, "b", b); DeviceArray dc = upload(dev, "c", c)) {
            clblast.sgemmStridedBatched(dev.queue(), ta, tb, m, n, k, alpha, da.mem(), aOff, lda, aStride, db.mem(), bOff, ldb, bStride,
                    beta, dc.mem(), cOff, ldc, cStride, batch, MemorySegment.NULL);
            assertClose("strided batch " + batch + " of " + (ta ? "A^T" : "A") + "·" + (tb ? "B^T" : "B") + " (m, n, k) = (" + m + ", "
                            + n + ", " + k + "), strides " + aStride + "/" + bStride + "/" + cStride,
                    download(dev, dc), want, 1e-4, 1e-4);
        }
    }

    private static DeviceArray upload(OpenClDevice dev, String name, float[] values) {
        DeviceArray arr = dev.floats(name, values);
        dev.cl().enqueueWriteBuffer(dev.queue(), arr.mem(), true, 0, arr.byteSize(), arr.host(), MemorySegment.NULL);
        return arr;
    }

    /** Reads the array back after everything queued before (the in-order queue runs CLBlast's work first). */
    private static float[] download(OpenClDevice dev, DeviceArray arr) {
        dev.cl().enqueueReadBuffer(dev.queue(), arr.mem(), true, 0, arr.byteSize(), arr.host(), MemorySegment.NULL);
        return arr.toFloatArray();
    }
}
