/*
 * The GPU backend's (OpenCL, or CUDA with -Dtessera.test.gpu=cuda) row ops, normalisations, attention, losses and optimizer updates against
 * the scalar ReferenceBackend on the same random inputs (PoCL in CI): awkward row lengths and
 * head shapes, every device tensor a view at a non-zero offset inside a buffer filled with a
 * huge sentinel (a read outside a view spoils the result, a write outside it changes the
 * sentinel), null gradient outputs, accumulation into non-zero
 * gradients, in-place optimizer steps, repeat runs giving identical bits, and the all-zero-mask
 * error of the masked MSE.
 */
package io.tessera.gpu;

import io.tessera.tensor.DType;
import io.tessera.tensor.Shape;
import io.tessera.tensor.Tensor;
import io.tessera.tensor.cpu.ReferenceBackend;
import io.tessera.tensor.spi.Backend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static io.tessera.tensor.Tolerance.assertClose;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Tag("gpu")
class GpuRowOpsParityTest {
    private static final double ATOL = 1e-5, RTOL = 1e-5;
    /** Fills each device buffer around its view. */
    private static final float GUARD = 1.2345e30f;
    /** Row lengths around and across the work-group sizes. */
    private static final int[][] ROWS = {{3, 1}, {5, 7}, {4, 13}, {3, 61}, {3, 197}, {2, 768}, {300, 40}};

    /** One operand on both backends: the device view and its host twin, made from the same values. */
    private record Both(Tensor d, Tensor r) {
    }

    /** Picks the device or the host tensor of a pair (null stays null). */
    @FunctionalInterface
    private interface Side {
        Tensor of(Both b);
    }

    /** One call of a Backend method, written once for both backends. */
    @FunctionalInterface
    private interface Call {
        void run(Backend backend, Side side);
    }

    private static final Side DEV = b -> b == null ? null : b.d();
    private static final Side REF = b -> b == null ? null : b.r();

    private GpuBackend cl;
    private final ReferenceBackend ref = new ReferenceBackend();
    /** Device buffers with their view offsets and sizes, for the guard check after each test. */
    private final List<Object[]> guarded = new ArrayList<>();
    private long seed = 1000;

    @BeforeEach
    void open() {
        cl = GpuFixture.backend();
    }

    @AfterEach
    void checkGuardsAndClose() {
        if (cl == null) return;
        try {
            for (Object[] g : guarded) {
                Tensor base = (Tensor) g[0];
                int off = (Integer) g[1], n = (Integer) g[2];
                float[] all = cl.readF32(base);
                for (int i = 0; i < all.length; i++) {
                    if ((i < off || i >= off + n) && all[i] != GUARD) {
                        throw new AssertionError("element " + i + " outside the view [" + off + ", " + (off + n) + ") of a buffer of "
                                + all.length + " was overwritten with " + all[i]);
                    }
                }
            }
        } finally {
            guarded.clear();
            cl.close();
        }
    }

    // ---- operands -------------------------------------------------------------------------

    /** {@code values} as a device view at a non-zero offset (GUARD around it) and as a host tensor. */
    private Both both(float[] values, int... shape) {
        int n = values.length, off = 3 + guarded.size() % 5, total = n + off + 4;
        float[] init = new float[total];
        Arrays.fill(init, GUARD);
        System.arraycopy(values, 0, init, off, n);
        Tensor base = new Tensor(cl, Shape.of(total), DType.F32, cl.allocate(DType.F32, total, false), 0);
        cl.write(base, init);
        guarded.add(new Object[]{base, off, n});
        Tensor d = new Tensor(cl, Shape.of(shape), DType.F32, base.storage(), off);
        Tensor r = new Tensor(ref, Shape.of(shape), DType.F32, ref.allocate(DType.F32, n, false), 0);
        ref.write(r, values.clone());
        return new Both(d, r);
    }

    private Both randn(double scale, int... shape) {
        return both(GpuFixture.randn(seed++, Shape.of(shape).size(), scale), shape);
    }

    private Both zeros(int... shape) {
        return both(new float[Shape.of(shape).size()], shape);
    }

    private Both ints(int[] values) {
        Tensor d = new Tensor(cl, Shape.of(values.length), DType.I32, cl.allocate(DType.I32, values.length + 2, false), 2);
        cl.write(d, values);
        Tensor r = new Tensor(ref, Shape.of(values.length), DType.I32, ref.allocate(DType.I32, values.length, false), 0);
        ref.write(r, values.clone());
        return new Both(d, r);
    }

    private void onBoth(Call call) {
        call.run(cl, DEV);
        call.run(ref, REF);
    }

    private void expectClose(String what, Both b, double atol, double rtol) {
        assertClose(what, cl.readF32(b.d()), ref.readF64(b.r()), atol, rtol);
    }

    private void expectClose(String what, Both b) {
        expectClose(what, b, ATOL, RTOL);
    }

    private static String shape(int... dims) {
        return Arrays.toString(dims);
    }

    // ---- softmax ---------------------------------------------------------------------------

    @Test
    void softmaxAndItsBackwardMatchTheReference() {
        for (int[] s : ROWS) {
            int n = s[0], d = s[1];
            Both x = randn(3.0, n, d), y = zeros(n, d), dy = randn(1.0, n, d), dx = randn(0.5, n, d);
            onBoth((b, t) -> b.softmax(t.of(y), t.of(x)));
            expectClose("softmax y " + shape(n, d), y);
            onBoth((b, t) -> b.softmaxBackward(t.of(dx), t.of(dy), t.of(y)));
            expectClose("softmaxBackward dx accumulated " + shape(n, d), dx);
            cl.softmaxBackward(null, dy.d(), y.d()); // dx not needed: nothing to do, nothing thrown
        }
    }

    // ---- LayerNorm -------------------------------------------------------------------------

    @Test
    void layerNormForwardMatchesWithEveryAffineCombination() {
        for (int[] s : ROWS) {
            int n = s[0], d = s[1];
            for (int form = 0; form < 4; form++) {
                boolean hasW = (form & 1) != 0, hasB = (form & 2) != 0;
                Both x = randn(2.0, n, d), y = zeros(n, d), mean = zeros(n), rstd = zeros(n);
                Both w = hasW ? randn(1.0, d) : null, bias = hasB ? randn(1.0, d) : null;
                onBoth((b, t) -> b.layerNorm(t.of(y), t.of(mean), t.of(rstd), t.of(x), t.of(w), t.of(bias), 1e-5));
                String what = "layerNorm " + shape(n, d) + " w=" + hasW + " b=" + hasB;
                expectClose(what + " y", y, 1e-4, 1e-4);
                expectClose(what + " mean", mean);
                expectClose(what + " rstd", rstd, 1e-4, 1e-4);
            }
            Both x = randn(2.0, n, d), y = zeros(n, d);
            onBoth((b, t) -> b.layerNorm(t.of(y), null, null, t.of(x), null, null, 1e-5));
            expectClose("layerNorm without saved statistics " + shape(n, d), y, 1e-4, 1e-4);
        }
    }

    @Test
    void residualAddAndLayerNormInOneLaunchGiveTheBitsOfTheTwoOps() {
        for (int[] s : ROWS) {
            int n = s[0], d = s[1];
            for (boolean affine : new boolean[]{false, true}) {
                Both x = randn(2.0, n, d), r = randn(1.0, n, d), w = affine ? randn(1.0, d) : null, bias = affine ? randn(1.0, d) : null;
                Both sum = zeros(n, d), y = zeros(n, d), mean = zeros(n), rstd = zeros(n);
                long before = cl.launches();
                onBoth((b, t) -> b.addLayerNorm(t.of(sum), t.of(y), t.of(mean), t.of(rstd), t.of(x), t.of(r), t.of(w), t.of(bias), 1e-5));
                String what = "addLayerNorm " + shape(n, d) + " affine=" + affine;
                assertThat(cl.launches() - before).as(what + ": one launch").isEqualTo(1);
                expectClose(what + " sum", sum);
                expectClose(what + " y", y, 1e-4, 1e-4);
                expectClose(what + " rstd", rstd, 1e-4, 1e-4);
                // the two ops on the device: the same bits
                Both sum2 = zeros(n, d), y2 = zeros(n, d), mean2 = zeros(n), rstd2 = zeros(n);
                cl.binary(io.tessera.tensor.spi.BinaryOp.ADD, sum2.d(), x.d(), r.d());
                cl.layerNorm(y2.d(), mean2.d(), rstd2.d(), sum2.d(), affine ? w.d() : null, affine ? bias.d() : null, 1e-5);
                assertThat(cl.readF32(sum.d())).as(what + " sum bits").isEqualTo(cl.readF32(sum2.d()));
                assertThat(cl.readF32(y.d())).as(what + " y bits").isEqualTo(cl.readF32(y2.d()));
                assertThat(cl.readF32(mean.d())).as(what + " mean bits").isEqualTo(cl.readF32(mean2.d()));
                assertThat(cl.readF32(rstd.d())).as(what + " rstd bits").isEqualTo(cl.readF32(rstd2.d()));
            }
        }
        Both x = randn(1.0, 3, 8), r = randn(1.0, 3, 4), y = zeros(3, 8);
        assertThatThrownBy(() -> cl.addLayerNorm(zeros(3, 8).d(), y.d(), null, null, x.d(), r.d(), null, null, 1e-5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must have one shape");
        assertThatThrownBy(() -> cl.addLayerNorm(x.d(), y.d(), null, null, x.d(), x.d(), null, null, 1e-5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must not share storage");
    }

    @Test
    void layerNormBackwardAccumulatesDxDwDbAndSkipsNullOutputs() {
        for (int[] s : ROWS) {
            int n = s[0], d = s[1];
            for (boolean affine : new boolean[]{true, false}) {
                Both x = randn(2.0, n, d), w = affine ? randn(1.0, d) : null, bias = affine ? randn(1.0, d) : null;
                Both y = zeros(n, d), mean = zeros(n), rstd = zeros(n);
                onBoth((b, t) -> b.layerNorm(t.of(y), t.of(mean), t.of(rstd), t.of(x), t.of(w), t.of(bias), 1e-5));
                Both dy = randn(1.0, n, d), dx = randn(0.3, n, d), dw = randn(0.3, d), db = randn(0.3, d);
                onBoth((b, t) -> b.layerNormBackward(t.of(dx), t.of(dw), t.of(db), t.of(dy), t.of(x), t.of(w), t.of(mean), t.of(rstd)));
                String what = "layerNormBackward " + shape(n, d) + " affine=" + affine;
                expectClose(what + " dx", dx, 1e-4, 1e-4);
                expectClose(what + " dw", dw, 1e-4, 1e-4);
                expectClose(what + " db", db, 1e-4, 1e-4);
                onBoth((b, t) -> b.layerNormBackward(null, t.of(dw), null, t.of(dy), t.of(x), t.of(w), t.of(mean), t.of(rstd)));
                expectClose(what + " dw only (second accumulation)", dw, 1e-4, 1e-4);
                onBoth((b, t) -> b.layerNormBackward(t.of(dx), null, null, t.of(dy), t.of(x), t.of(w), t.of(mean), t.of(rstd)));
                expectClose(what + " dx only (second accumulation)", dx, 1e-4, 1e-4);
                if (affine) { // dw and db summed in one launch: the bits of summing each alone
                    Both pw = zeros(d), pb = zeros(d), sw = zeros(d), sb = zeros(d);
                    cl.layerNormBackward(null, pw.d(), pb.d(), dy.d(), x.d(), w.d(), mean.d(), rstd.d());
                    cl.layerNormBackward(null, sw.d(), null, dy.d(), x.d(), w.d(), mean.d(), rstd.d());
                    cl.layerNormBackward(null, null, sb.d(), dy.d(), x.d(), w.d(), mean.d(), rstd.d());
                    assertThat(cl.readF32(pw.d())).as(what + " dw bits").isEqualTo(cl.readF32(sw.d()));
                    assertThat(cl.readF32(pb.d())).as(what + " db bits").isEqualTo(cl.readF32(sb.d()));
                }
            }
        }
    }

    // ---- BatchNorm1d -----------------------------------------------------------------------

    private static final int[][] BATCHES = {{17, 7}, {64, 61}, {5, 197}, {2, 40}, {1, 3}};

    @Test
    void batchNormTrainMatchesIncludingTheRunningStatistics() {
        for (int[] s : BATCHES) {
            int n = s[0], c = s[1];
            for (boolean full : new boolean[]{true, false}) {
                Both x = randn(2.0, n, c), y = zeros(n, c), mean = zeros(c), rstd = zeros(c);
                Both w = full ? randn(1.0, c) : null, bias = full ? randn(1.0, c) : null;
                Both rm = full ? randn(0.5, c) : null;
                Both rv = full ? both(positive(c), c) : null;
                onBoth((b, t) -> b.batchNormTrain(t.of(y), full ? t.of(mean) : null, full ? t.of(rstd) : null, t.of(rm), t.of(rv),
                        t.of(x), t.of(w), t.of(bias), 0.1, 1e-5));
                String what = "batchNormTrain " + shape(n, c) + " affine and statistics=" + full;
                expectClose(what + " y", y, 1e-4, 1e-4);
                if (full) {
                    expectClose(what + " mean", mean);
                    expectClose(what + " rstd", rstd, 1e-4, 1e-4);
                    expectClose(what + " running mean", rm);
                    expectClose(what + " running var (unbiased)", rv, 1e-5, 1e-4);
                }
            }
        }
    }

    @Test
    void batchNormBackwardsAndEvalMatch() {
        for (int[] s : BATCHES) {
            int n = s[0], c = s[1];
            for (boolean affine : new boolean[]{true, false}) {
                String what = shape(n, c) + " affine=" + affine;
                Both x = randn(2.0, n, c), y = zeros(n, c), mean = zeros(c), rstd = zeros(c);
                Both w = affine ? randn(1.0, c) : null, bias = affine ? randn(1.0, c) : null;
                onBoth((b, t) -> b.batchNormTrain(t.of(y), t.of(mean), t.of(rstd), null, null, t.of(x), t.of(w), t.of(bias), 0.1, 1e-5));
                Both dy = randn(1.0, n, c), dx = randn(0.3, n, c), dw = randn(0.3, c), db = randn(0.3, c);
                onBoth((b, t) -> b.batchNormBackward(t.of(dx), t.of(dw), t.of(db), t.of(dy), t.of(x), t.of(w), t.of(mean), t.of(rstd)));
                expectClose("batchNormBackward dx " + what, dx, 1e-4, 1e-4);
                expectClose("batchNormBackward dw " + what, dw, 1e-4, 1e-4);
                expectClose("batchNormBackward db " + what, db, 1e-4, 1e-4);
                onBoth((b, t) -> b.batchNormBackward(null, t.of(dw), null, t.of(dy), t.of(x), t.of(w), t.of(mean), t.of(rstd)));
                expectClose("batchNormBackward dw only " + what, dw, 1e-4, 1e-4);

                Both rm = randn(0.5, c), rv = both(positive(c), c), ye = zeros(n, c);
                onBoth((b, t) -> b.batchNormEval(t.of(ye), t.of(x), t.of(rm), t.of(rv), t.of(w), t.of(bias), 1e-5));
                expectClose("batchNormEval y " + what, ye, 1e-4, 1e-4);
                Both ex = randn(0.3, n, c), ew = randn(0.3, c), eb = randn(0.3, c);
                onBoth((b, t) -> b.batchNormEvalBackward(t.of(ex), t.of(ew), t.of(eb), t.of(dy), t.of(x), t.of(rm), t.of(rv), t.of(w), 1e-5));
                expectClose("batchNormEvalBackward dx " + what, ex, 1e-4, 1e-4);
                expectClose("batchNormEvalBackward dw " + what, ew, 1e-4, 1e-4);
                expectClose("batchNormEvalBackward db " + what, eb, 1e-4, 1e-4);
                onBoth((b, t) -> b.batchNormEvalBackward(t.of(ex), null, null, t.of(dy), t.of(x), t.of(rm), t.of(rv), t.of(w), 1e-5));
                expectClose("batchNormEvalBackward dx only " + what, ex, 1e-4, 1e-4);
            }
        }
    }

    private float[] positive(int n) {
        float[] v = GpuFixture.randn(seed++, n, 0.5);
        for (int i = 0; i < n; i++) v[i] = 0.5f + Math.abs(v[i]);
        return v;
    }

    // ---- L2 normalisation ------------------------------------------------------------------

    @Test
    void l2NormalizeMatchesIncludingClampedRows() {
        double eps = 1e-3;
        for (int[] s : ROWS) {
            int n = s[0], d = s[1];
            float[] xv = GpuFixture.randn(seed++, n * d, 1.0);
            for (int j = 0; j < d; j++) xv[j] *= 1e-6f; // row 0 has a norm below eps: clamped
            Both x = both(xv, n, d), y = zeros(n, d), norm = zeros(n), y2 = zeros(n, d);
            onBoth((b, t) -> b.l2Normalize(t.of(y), t.of(norm), t.of(x), eps));
            expectClose("l2Normalize y " + shape(n, d), y);
            expectClose("l2Normalize norm " + shape(n, d), norm, 1e-6, 1e-5);
            onBoth((b, t) -> b.l2Normalize(t.of(y2), null, t.of(x), eps));
            expectClose("l2Normalize without norm " + shape(n, d), y2);
            Both dy = randn(1.0, n, d), dx = randn(0.3, n, d);
            onBoth((b, t) -> b.l2NormalizeBackward(t.of(dx), t.of(dy), t.of(x), t.of(y), t.of(norm), eps));
            expectClose("l2NormalizeBackward dx " + shape(n, d), dx, 1e-4, 1e-4);
            cl.l2NormalizeBackward(null, dy.d(), x.d(), y.d(), norm.d(), eps);
        }
    }

    // ---- attention -------------------------------------------------------------------------

    /** (B, H, T, S, Dh): square and T ≠ S, S across the work-group size, Dh above it. */
    private static final int[][] HEADS = {{2, 3, 17, 17, 16}, {1, 2, 5, 13, 64}, {2, 1, 7, 1, 16}, {1, 2, 150, 140, 64},
            {1, 1, 3, 5, 130}, {1, 1, 9, 300, 8}};

    @Test
    void attentionForwardAndBackwardMatch() {
        for (int[] h : HEADS) {
            int bb = h[0], hh = h[1], t = h[2], s = h[3], dh = h[4];
            double scale = 1 / Math.sqrt(dh);
            String what = "attention (B, H, T, S, Dh) = " + shape(h);
            Both q = randn(1.0, bb, hh, t, dh), k = randn(1.0, bb, hh, s, dh), v = randn(1.0, bb, hh, s, dh);
            Both out = zeros(bb, hh, t, dh), probs = zeros(bb, hh, t, s);
            onBoth((b, side) -> b.attention(side.of(out), side.of(probs), side.of(q), side.of(k), side.of(v), scale));
            expectClose(what + " probs", probs, 1e-6, 1e-4);
            expectClose(what + " out", out, 1e-5, 1e-4);
            Both dout = randn(1.0, bb, hh, t, dh);
            Both dq = randn(0.3, bb, hh, t, dh), dk = randn(0.3, bb, hh, s, dh), dv = randn(0.3, bb, hh, s, dh);
            onBoth((b, side) -> b.attentionBackward(side.of(dq), side.of(dk), side.of(dv), side.of(dout), side.of(q), side.of(k), side.of(v),
                    side.of(probs), scale));
            expectClose(what + " dq", dq, 1e-5, 1e-4);
            expectClose(what + " dk", dk, 1e-5, 1e-4);
            expectClose(what + " dv", dv, 1e-5, 1e-4);
            onBoth((b, side) -> b.attentionBackward(side.of(dq), null, null, side.of(dout), side.of(q), side.of(k), side.of(v), side.of(probs), scale));
            expectClose(what + " dq only", dq, 1e-5, 1e-4);
            onBoth((b, side) -> b.attentionBackward(null, side.of(dk), null, side.of(dout), side.of(q), side.of(k), side.of(v), side.of(probs), scale));
            expectClose(what + " dk only", dk, 1e-5, 1e-4);
            onBoth((b, side) -> b.attentionBackward(null, null, side.of(dv), side.of(dout), side.of(q), side.of(k), side.of(v), side.of(probs), scale));
            expectClose(what + " dv only", dv, 1e-5, 1e-4);
        }
    }

    // ---- losses ----------------------------------------------------------------------------

    @Test
    void crossEntropyAndItsBackwardMatchWithAndWithoutSmoothing() {
        int[][] shapes = {{5, 7}, {4, 13}, {3, 1}, {6, 1000}, {300, 10}};
        for (int[] s : shapes) {
            int n = s[0], v = s[1];
            for (double smoothing : new double[]{0.0, 0.1}) {
                SplittableRandom r = new SplittableRandom(seed++);
                int[] lv = new int[n];
                for (int i = 0; i < n; i++) lv[i] = r.nextInt(v);
                Both logits = randn(3.0, n, v), labels = ints(lv), losses = zeros(n), probs = zeros(n, v);
                onBoth((b, t) -> b.crossEntropy(t.of(losses), t.of(probs), t.of(logits), t.of(labels), smoothing));
                String what = "crossEntropy " + shape(n, v) + " smoothing=" + smoothing;
                expectClose(what + " losses", losses, 1e-5, 1e-5);
                expectClose(what + " probs", probs, 1e-7, 1e-5);
                Both losses2 = zeros(n);
                onBoth((b, t) -> b.crossEntropy(t.of(losses2), null, t.of(logits), t.of(labels), smoothing));
                expectClose(what + " losses without probs", losses2, 1e-5, 1e-5);
                Both dl = randn(1.0, n), dlogits = randn(0.3, n, v);
                onBoth((b, t) -> b.crossEntropyBackward(t.of(dlogits), t.of(dl), t.of(probs), t.of(labels), smoothing));
                expectClose(what + " dlogits accumulated", dlogits);
            }
        }
    }

    @Test
    void crossEntropyRefusesALabelOutOfRangeAsTheReferenceDoes() {
        Both logits = randn(1.0, 3, 5), losses = zeros(3), probs = zeros(3, 5), dlogits = zeros(3, 5), dl = randn(1.0, 3);
        for (int[] bad : new int[][]{{1, 5, 0}, {1, 2, -1}}) {
            Both labels = ints(bad);
            assertThatThrownBy(() -> cl.crossEntropy(losses.d(), probs.d(), logits.d(), labels.d(), 0.0))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage(messageOf(() -> ref.crossEntropy(losses.r(), probs.r(), logits.r(), labels.r(), 0.0)));
            assertThatThrownBy(() -> cl.crossEntropyBackward(dlogits.d(), dl.d(), probs.d(), labels.d(), 0.0))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("crossEntropyBackward: label");
        }
    }

    private static String messageOf(Runnable r) {
        try {
            r.run();
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        throw new AssertionError("the reference accepted the labels");
    }

    @Test
    void maskedMseAndItsBackwardMatch() {
        int[][] shapes = {{2, 17, 13}, {3, 49, 48}, {1, 1, 1}, {2, 300, 7}};
        for (int[] s : shapes) {
            int bb = s[0], l = s[1], p = s[2];
            Both pred = randn(1.0, bb, l, p), target = randn(1.0, bb, l, p), mask = both(mask(bb * l), bb, l), loss = zeros(1);
            String what = "maskedMse " + shape(s);
            onBoth((b, t) -> b.maskedMse(t.of(loss), t.of(pred), t.of(target), t.of(mask)));
            expectClose(what + " loss", loss, 1e-6, 1e-5);
            Both dloss = both(new float[]{0.7f}), dpred = randn(0.3, bb, l, p), dtarget = randn(0.3, bb, l, p);
            onBoth((b, t) -> b.maskedMseBackward(t.of(dpred), t.of(dtarget), t.of(dloss), t.of(pred), t.of(target), t.of(mask)));
            expectClose(what + " dpred", dpred);
            expectClose(what + " dtarget", dtarget);
            onBoth((b, t) -> b.maskedMseBackward(null, t.of(dtarget), t.of(dloss), t.of(pred), t.of(target), t.of(mask)));
            expectClose(what + " dtarget only", dtarget);
        }
    }

    @Test
    void maskedMseRefusesAnAllZeroMaskLikeTheReference() {
        Both pred = randn(1.0, 2, 5, 3), target = randn(1.0, 2, 5, 3), mask = zeros(2, 5), loss = zeros(1);
        assertThatThrownBy(() -> ref.maskedMse(loss.r(), pred.r(), target.r(), mask.r())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> cl.maskedMse(loss.d(), pred.d(), target.d(), mask.d()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maskedMse")
                .hasMessageContaining("marks no patch as masked");
    }

    private float[] mask(int n) {
        SplittableRandom r = new SplittableRandom(seed++);
        float[] m = new float[n];
        for (int i = 0; i < n; i++) m[i] = r.nextInt(4) == 0 ? 0f : 1f;
        m[n / 2] = 1f;
        return m;
    }

    // ---- optimizer updates -----------------------------------------------------------------

    @Test
    void adamwUpdatesInPlaceOverSeveralStepsOnParameterViews() {
        for (int n : new int[]{1, 1000, 4097}) {
            Both p = randn(1.0, n), m = zeros(n), v = zeros(n);
            for (long step = 1; step <= 3; step++) {
                Both g = randn(1.0, n);
                long t = step;
                onBoth((b, side) -> b.adamwUpdate(side.of(p), side.of(m), side.of(v), side.of(g), 1e-2, 0.9, 0.999, 1e-8, 0.05, t));
                String what = "adamwUpdate n=" + n + " step " + step;
                expectClose(what + " param", p, 1e-6, 1e-5);
                expectClose(what + " m", m, 1e-7, 1e-5);
                expectClose(what + " v", v, 1e-7, 1e-5);
            }
        }
        Both p = randn(1.0, 4);
        assertThatThrownBy(() -> cl.adamwUpdate(p.d(), p.d(), p.d(), p.d(), 1e-3, 0.9, 0.999, 1e-8, 0, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("step");
    }

    @Test
    void segmentedAdamwEqualsOneUpdatePerTensorBitForBit() {
        // a store of parameters: sizes around the chunk length, an empty one, gaps for frozen ones,
        // three (lr, wd) pairs that recur (so one launch covers segments far apart)
        int chunk = GpuRowOps.ADAMW_CHUNK;
        int[] sizes = {7, chunk, 0, chunk + 1, 3 * chunk - 5, 1, 300};
        int[] gaps = {0, 11, 0, 5, 0, 2, 9};
        double[][] hyper = {{1e-2, 0.05}, {1e-2, 0.0}, {3e-3, 0.05}, {1e-2, 0.05}, {1e-2, 0.0}, {3e-3, 0.05}, {1e-2, 0.0}};
        int k = sizes.length, total = 0;
        int[] offsets = new int[k];
        double[] lr = new double[k], wd = new double[k];
        for (int s = 0; s < k; s++) {
            total += gaps[s];
            offsets[s] = total;
            total += sizes[s];
            lr[s] = hyper[s][0];
            wd[s] = hyper[s][1];
        }
        int n = total + 4;
        float[] p0 = GpuFixture.randn(seed++, n, 1.0);
        Both one = both(p0, n), many = both(p0, n);
        Both m1 = zeros(n), v1 = zeros(n), mm = zeros(n), vm = zeros(n);
        for (long step = 1; step <= 3; step++) {
            Both g = randn(1.0, n);
            long t = step;
            long before = cl.launches();
            cl.adamwUpdateSegments(many.d(), mm.d(), vm.d(), g.d(), offsets, sizes, lr, wd, 0.9, 0.95, 1e-8, t);
            assertThat(cl.launches() - before).as("one launch per distinct (lr, wd) pair").isEqualTo(3);
            ref.adamwUpdateSegments(many.r(), mm.r(), vm.r(), g.r(), offsets, sizes, lr, wd, 0.9, 0.95, 1e-8, t);
            for (int s = 0; s < k; s++) {
                if (sizes[s] == 0) continue;
                int o = offsets[s], z = sizes[s];
                cl.adamwUpdate(one.d().narrow0(o, z), m1.d().narrow0(o, z), v1.d().narrow0(o, z), g.d().narrow0(o, z), lr[s], 0.9, 0.95,
                        1e-8, wd[s], t);
            }
            expectClose("segmented AdamW step " + step + " param", many, 1e-6, 1e-5);
            expectClose("segmented AdamW step " + step + " m", mm, 1e-7, 1e-5);
            expectClose("segmented AdamW step " + step + " v", vm, 1e-7, 1e-5);
            assertThat(cl.readF32(many.d())).as("step %d: params equal one adamwUpdate per tensor", step).isEqualTo(cl.readF32(one.d()));
            assertThat(cl.readF32(mm.d())).as("step %d: m", step).isEqualTo(cl.readF32(m1.d()));
            assertThat(cl.readF32(vm.d())).as("step %d: v", step).isEqualTo(cl.readF32(v1.d()));
        }
        float[] got = cl.readF32(many.d());
        for (int s = 0; s + 1 < k; s++) {
            for (int i = offsets[s] + sizes[s]; i < offsets[s + 1]; i++) assertThat(got[i]).as("frozen element %d is untouched", i).isEqualTo(p0[i]);
        }
        for (int i = total; i < n; i++) assertThat(got[i]).as("element %d after the last segment is untouched", i).isEqualTo(p0[i]);
        assertThatThrownBy(() -> cl.adamwUpdateSegments(many.d(), mm.d(), vm.d(), many.d(), new int[]{5, 4}, new int[]{3, 3},
                new double[]{1, 1}, new double[]{0, 0}, 0.9, 0.95, 1e-8, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("segment 1 [4, 7)");
    }

    @Test
    void segmentedAdamwKeepsSeveralChunkTables() {
        // six optimizers of different layouts, stepped in turn: more tables than the cache keeps
        int k = 6;
        Both[][] state = new Both[k][];
        for (int o = 0; o < k; o++) state[o] = new Both[]{randn(1.0, 50 + 37 * o), zeros(50 + 37 * o), zeros(50 + 37 * o)};
        for (int round = 0; round < 2; round++) {
            for (int o = 0; o < k; o++) {
                int n = 50 + 37 * o;
                int[] offsets = {0, 10 + o}, sizes = {10 + o, n - 10 - o};
                double[] lr = {1e-2, 2e-2}, wd = {0.05, 0.0};
                Both p = state[o][0], m = state[o][1], v = state[o][2], g = randn(1.0, n);
                long step = round + 1;
                onBoth((b, t) -> b.adamwUpdateSegments(t.of(p), t.of(m), t.of(v), t.of(g), offsets, sizes, lr, wd, 0.9, 0.95, 1e-8, step));
                expectClose("optimizer " + o + " round " + round, p, 1e-6, 1e-5);
            }
        }
    }

    @Test
    void momentumUpdatesInPlaceOverSeveralSteps() {
        for (int n : new int[]{1, 1000, 4097}) {
            Both p = randn(1.0, n), buf = zeros(n);
            for (int step = 1; step <= 3; step++) {
                Both g = randn(1.0, n);
                onBoth((b, side) -> b.momentumUpdate(side.of(p), side.of(buf), side.of(g), 0.1, 0.9, 1e-4, 0.7));
                expectClose("momentumUpdate n=" + n + " step " + step + " param", p, 1e-6, 1e-5);
                expectClose("momentumUpdate n=" + n + " step " + step + " buf", buf, 1e-6, 1e-5);
            }
        }
    }

    @Test
    void twoParametersInOneStoreUpdateOnlyThemselves() {
        int n1 = 300, n2 = 77;
        float[] all = GpuFixture.randn(seed++, n1 + n2, 1.0);
        Both store = both(all, n1 + n2);
        Tensor p2 = store.d().narrow0(n1, n2);
        Both m = zeros(n2), v = zeros(n2), g = randn(1.0, n2);
        cl.adamwUpdate(p2, m.d(), v.d(), g.d(), 0.1, 0.9, 0.999, 1e-8, 0.0, 1);
        Tensor r2 = store.r().narrow0(n1, n2);
        ref.adamwUpdate(r2, m.r(), v.r(), g.r(), 0.1, 0.9, 0.999, 1e-8, 0.0, 1);
        expectClose("adamwUpdate on a view at offset " + n1 + " of a shared store", store, 1e-6, 1e-5);
        float[] got = cl.readF32(store.d());
        for (int i = 0; i < n1; i++) assertThat(got[i]).as("the first parameter is untouched at %d", i).isEqualTo(all[i]);
    }

    // ---- determinism -----------------------------------------------------------------------

    @Test
    void reductionsGiveIdenticalBitsFromRunToRun() {
        int n = 300, d = 197;
        Both x = randn(2.0, n, d), w = randn(1.0, d), dy = randn(1.0, n, d);
        Both mean = zeros(n), rstd = zeros(n), y = zeros(n, d);
        cl.layerNorm(y.d(), mean.d(), rstd.d(), x.d(), w.d(), null, 1e-5);
        Both bm = zeros(d), br = zeros(d), by = zeros(n, d);
        Both q = randn(1.0, 2, 3, 17, 16), k = randn(1.0, 2, 3, 23, 16), v = randn(1.0, 2, 3, 23, 16), dout = randn(1.0, 2, 3, 17, 16);
        Both labels = ints(new SplittableRandom(7).ints(n, 0, d).toArray());
        Both pred = randn(1.0, 3, 100, 16), target = randn(1.0, 3, 100, 16), mask = both(mask(300), 3, 100), dloss = both(new float[]{1.3f});
        float[][] first = null;
        for (int run = 0; run < 2; run++) {
            Both dx = zeros(n, d), dw = zeros(d), db = zeros(d);
            cl.layerNormBackward(dx.d(), dw.d(), db.d(), dy.d(), x.d(), w.d(), mean.d(), rstd.d());
            cl.batchNormTrain(by.d(), bm.d(), br.d(), null, null, x.d(), null, null, 0.1, 1e-5);
            Both bdx = zeros(n, d), bdw = zeros(d), bdb = zeros(d);
            cl.batchNormBackward(bdx.d(), bdw.d(), bdb.d(), dy.d(), x.d(), w.d(), bm.d(), br.d());
            Both ew = zeros(d), eb = zeros(d);
            cl.batchNormEvalBackward(null, ew.d(), eb.d(), dy.d(), x.d(), bm.d(), br.d(), w.d(), 1e-5);
            Both out = zeros(2, 3, 17, 16), probs = zeros(2, 3, 17, 23);
            cl.attention(out.d(), probs.d(), q.d(), k.d(), v.d(), 0.25);
            Both dq = zeros(2, 3, 17, 16), dk = zeros(2, 3, 23, 16), dv = zeros(2, 3, 23, 16);
            cl.attentionBackward(dq.d(), dk.d(), dv.d(), dout.d(), q.d(), k.d(), v.d(), probs.d(), 0.25);
            Both losses = zeros(n), cprobs = zeros(n, d);
            cl.crossEntropy(losses.d(), cprobs.d(), x.d(), labels.d(), 0.1);
            Both loss = zeros(1), dpred = zeros(3, 100, 16);
            cl.maskedMse(loss.d(), pred.d(), target.d(), mask.d());
            cl.maskedMseBackward(dpred.d(), null, dloss.d(), pred.d(), target.d(), mask.d());
            Both nrm = zeros(n), yn = zeros(n, d);
            cl.l2Normalize(yn.d(), nrm.d(), x.d(), 1e-12);
            Both sdx = zeros(n, d);
            cl.softmaxBackward(sdx.d(), dy.d(), cprobs.d());
            Both[] results = {dx, dw, db, by, bm, br, bdx, bdw, bdb, ew, eb, out, probs, dq, dk, dv, losses, cprobs, loss, dpred, nrm, yn, sdx};
            float[][] now = new float[results.length][];
            for (int i = 0; i < results.length; i++) now[i] = cl.readF32(results[i].d());
            if (first == null) first = now;
            else for (int i = 0; i < now.length; i++) assertThat(now[i]).as("result %d of the second run", i).isEqualTo(first[i]);
        }
    }
}
