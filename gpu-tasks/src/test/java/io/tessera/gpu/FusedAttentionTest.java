/*
 * The fused attention kernels (attention.kc) on the GPU backend (OpenCL, PoCL in CI; CUDA with
 * -Dtessera.test.gpu=cuda) against the reference backend computing in float64: out and the row
 * log-sum-exp forward, dq, dk, dv accumulated into non-zero gradients backward (and each alone),
 * over the ViTs' sequence lengths (17, 50, 197: not multiples of any tile), head widths 16 to
 * 128, odd widths and T ≠ S; gradients of a tiny case against central differences of the float64
 * forward; identical bits from run to run; and the FUSED attention engine taking this path under
 * Ops.attentionOutput, forward and backward through the tape.
 *
 * Tolerance |gpu − ref| ≤ 1e-5 + 1e-4·|ref|: the kernels compute in F32 (unit roundoff 6e-8) on
 * N(0, 1) data, where a score sums Dh ≤ 128 products and an output or gradient element sums at
 * most 300 terms of size O(1), so the rounding stays near 1e-6 (the largest difference measured
 * on PoCL over these shapes: 1.3e-6, in dq); the bound leaves room for another device's exp and
 * contraction of multiply-adds, while a wrong tile tail, a missing rescale or a wrong lse shift
 * moves values by 1e-2 or more.
 */
package io.tessera.gpu;

import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Shape;
import io.tessera.tensor.Tensor;
import io.tessera.tensor.Tape;
import io.tessera.tensor.cpu.ReferenceBackend;
import io.tessera.tensor.spi.Backend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static io.tessera.tensor.Tolerance.assertClose;
import static org.assertj.core.api.Assertions.assertThat;

@Tag("gpu")
class FusedAttentionTest {
    private static final double ATOL = 1e-5, RTOL = 1e-4;

    /** (B, H, T, S, Dh): the ViTs' lengths with B·H from 1 to 6, then wide and odd heads, T ≠ S, single rows. */
    private static final int[][] SHAPES = {{1, 1, 17, 17, 16}, {2, 3, 50, 50, 32}, {1, 2, 197, 197, 64}, {3, 2, 17, 17, 64},
            {1, 1, 50, 50, 128}, {2, 1, 33, 70, 17}, {1, 1, 3, 300, 16}, {1, 2, 1, 1, 17}};

    private GpuBackend gpu;
    private final ReferenceBackend ref = new ReferenceBackend();
    private long seed = 7000;

    @BeforeEach
    void open() {
        gpu = switch (GpuFixture.computeDevice()) {
            case CudaDevice cuda -> CudaBackend.on(cuda, CudaBackend.MatmulEngine.TILED, GpuBackend.AttentionEngine.FUSED);
            case OpenClDevice cl -> ClBackend.on(cl, ClBackend.MatmulEngine.TILED, GpuBackend.AttentionEngine.FUSED);
        };
    }

    @AfterEach
    void close() {
        if (gpu != null) gpu.close();
    }

    /** The same values as an F32 device tensor (at a non-zero offset) and an F64 reference tensor. */
    private record Both(Tensor d, Tensor r) {
    }

    private Both both(float[] v, int... shape) {
        Tensor d = new Tensor(gpu, Shape.of(shape), DType.F32, gpu.allocate(DType.F32, v.length + 3, false), 3);
        gpu.write(d, v);
        double[] w = new double[v.length];
        for (int i = 0; i < w.length; i++) w[i] = v[i];
        Tensor r = new Tensor(ref, Shape.of(shape), DType.F64, ref.allocate(DType.F64, v.length, false), 0);
        ref.write(r, w);
        return new Both(d, r);
    }

    private Both randn(double scale, int... shape) {
        return both(GpuFixture.randn(seed++, Shape.of(shape).size(), scale), shape);
    }

    private Both zeros(int... shape) {
        return both(new float[Shape.of(shape).size()], shape);
    }

    private static Tensor d(Both b) {
        return b == null ? null : b.d();
    }

    private static Tensor r(Both b) {
        return b == null ? null : b.r();
    }

    private void expectClose(String what, Both b) {
        assertClose(what, gpu.readF32(b.d()), ref.readF64(b.r()), ATOL, RTOL);
    }

    /** The inputs and forward results of one shape, on both backends. */
    private record Case(String what, double scale, Both q, Both k, Both v, Both out, Both lse) {
    }

    private Case forward(int[] z) {
        int b = z[0], h = z[1], t = z[2], s = z[3], dh = z[4];
        Case c = new Case("attention (B, H, T, S, Dh) = " + Arrays.toString(z), 1 / Math.sqrt(dh),
                randn(1, b, h, t, dh), randn(1, b, h, s, dh), randn(1, b, h, s, dh), zeros(b, h, t, dh), zeros(b, h, t));
        gpu.attentionLse(c.out().d(), c.lse().d(), c.q().d(), c.k().d(), c.v().d(), c.scale());
        ref.attentionLse(c.out().r(), c.lse().r(), c.q().r(), c.k().r(), c.v().r(), c.scale());
        return c;
    }

    private void backward(Case c, Both dq, Both dk, Both dv, Both dout) {
        gpu.attentionLseBackward(d(dq), d(dk), d(dv), dout.d(), c.q().d(), c.k().d(), c.v().d(), c.out().d(), c.lse().d(), c.scale());
        ref.attentionLseBackward(r(dq), r(dk), r(dv), dout.r(), c.q().r(), c.k().r(), c.v().r(), c.out().r(), c.lse().r(), c.scale());
    }

    @Test
    void forwardMatchesTheFloat64Reference() {
        for (int[] z : SHAPES) {
            Case c = forward(z);
            expectClose(c.what() + " out", c.out());
            expectClose(c.what() + " lse", c.lse());
        }
    }

    @Test
    void backwardAccumulatesTheFloat64ReferenceGradients() {
        for (int[] z : SHAPES) {
            int b = z[0], h = z[1], t = z[2], s = z[3], dh = z[4];
            Case c = forward(z);
            Both dout = randn(1, b, h, t, dh);
            // the reference's own forward results, so both sides differentiate the same point
            Both dq = randn(0.3, b, h, t, dh), dk = randn(0.3, b, h, s, dh), dv = randn(0.3, b, h, s, dh);
            backward(c, dq, dk, dv, dout);
            expectClose(c.what() + " dq", dq);
            expectClose(c.what() + " dk", dk);
            expectClose(c.what() + " dv", dv);
            Both dqOnly = randn(0.3, b, h, t, dh), dkOnly = randn(0.3, b, h, s, dh), dvOnly = randn(0.3, b, h, s, dh);
            backward(c, dqOnly, null, null, dout);
            backward(c, null, dkOnly, null, dout);
            backward(c, null, null, dvOnly, dout);
            expectClose(c.what() + " dq alone", dqOnly);
            expectClose(c.what() + " dk alone", dkOnly);
            expectClose(c.what() + " dv alone", dvOnly);
        }
    }

    @Test
    void gradientsMatchCentralDifferencesOfTheFloat64Forward() {
        int b = 1, h = 2, t = 3, s = 5, dh = 16;
        double scale = 0.6, step = 1e-6;
        Both q = randn(1, b, h, t, dh), k = randn(1, b, h, s, dh), v = randn(1, b, h, s, dh), weights = randn(1, b, h, t, dh);
        Both out = zeros(b, h, t, dh), lse = zeros(b, h, t);
        gpu.attentionLse(out.d(), lse.d(), q.d(), k.d(), v.d(), scale);
        Both dq = zeros(b, h, t, dh), dk = zeros(b, h, s, dh), dv = zeros(b, h, s, dh);
        // d(Σ out ⊙ weights)/d(q, k, v) on the device: dout = weights
        gpu.attentionLseBackward(dq.d(), dk.d(), dv.d(), weights.d(), q.d(), k.d(), v.d(), out.d(), lse.d(), scale);
        Both[] inputs = {q, k, v}, grads = {dq, dk, dv};
        double[] w = ref.readF64(weights.r());
        for (int n = 0; n < 3; n++) {
            float[] got = gpu.readF32(grads[n].d());
            double[] x = inputs[n].r().f64();
            double[] numeric = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                double keep = x[i];
                x[i] = keep + step;
                double plus = weighted(q.r(), k.r(), v.r(), w, scale);
                x[i] = keep - step;
                double minus = weighted(q.r(), k.r(), v.r(), w, scale);
                x[i] = keep;
                numeric[i] = (plus - minus) / (2 * step);
            }
            assertClose("d/d" + "qkv".charAt(n) + " against central differences", got, numeric, 1e-5, 1e-4);
        }
    }

    /** Σ out ⊙ w of the float64 reference forward. */
    private double weighted(Tensor q, Tensor k, Tensor v, double[] w, double scale) {
        Tensor out = new Tensor(ref, q.shape(), DType.F64, ref.allocate(DType.F64, q.size(), false), 0);
        Tensor lse = new Tensor(ref, Shape.of(q.dim(0), q.dim(1), q.dim(2)), DType.F64, ref.allocate(DType.F64, q.dim(0) * q.dim(1) * q.dim(2), false), 0);
        ref.attentionLse(out, lse, q, k, v, scale);
        double[] o = ref.readF64(out);
        double sum = 0;
        for (int i = 0; i < o.length; i++) sum += o[i] * w[i];
        return sum;
    }

    @Test
    void repeatedRunsGiveIdenticalBits() {
        int[] z = {2, 2, 50, 50, 32};
        float[][] first = null;
        for (int run = 0; run < 2; run++) {
            seed = 9000;
            Case c = forward(z);
            Both dout = randn(1, 2, 2, 50, 32), dq = zeros(2, 2, 50, 32), dk = zeros(2, 2, 50, 32), dv = zeros(2, 2, 50, 32);
            gpu.attentionLseBackward(dq.d(), dk.d(), dv.d(), dout.d(), c.q().d(), c.k().d(), c.v().d(), c.out().d(), c.lse().d(), c.scale());
            float[][] now = {gpu.readF32(c.out().d()), gpu.readF32(c.lse().d()), gpu.readF32(dq.d()), gpu.readF32(dk.d()), gpu.readF32(dv.d())};
            if (first == null) first = now;
            else for (int i = 0; i < now.length; i++) assertThat(now[i]).as("result %d of the second run", i).isEqualTo(first[i]);
        }
    }

    @Test
    void theFusedEngineRunsAttentionOutputAndItsBackwardOnTheFusedKernels() {
        assertThat(gpu.fusedAttention()).isTrue();
        assertThat(gpu.attentionEngine()).isEqualTo(GpuBackend.AttentionEngine.FUSED);
        int b = 2, h = 3, t = 17, dh = 16;
        float[] qv = GpuFixture.randn(1, b * h * t * dh, 1), kv = GpuFixture.randn(2, b * h * t * dh, 1), vv = GpuFixture.randn(3, b * h * t * dh, 1);
        float[] rv = GpuFixture.randn(4, b * h * t * dh, 1);
        List<float[]> want = throughOps(ref, qv, kv, vv, rv, b, h, t, dh);
        gpu.profiling(true);
        List<float[]> got = throughOps(gpu, qv, kv, vv, rv, b, h, t, dh);
        List<String> kernels = gpu.kernelProfile().stream().map(GpuBackend.KernelTime::kernel).toList();
        assertThat(kernels).as("kernels run").anyMatch(n -> n.contains("attention_forward"))
                .anyMatch(n -> n.contains("attention_backward_dkdv")).anyMatch(n -> n.contains("attention_backward_dq"))
                .noneMatch(n -> n.contains("softmax"));
        String[] names = {"out", "dq", "dk", "dv"};
        for (int i = 0; i < names.length; i++) {
            double[] w = new double[want.get(i).length];
            for (int j = 0; j < w.length; j++) w[j] = want.get(i)[j];
            assertClose("Ops.attentionOutput on the fused engine: " + names[i], got.get(i), w, ATOL, RTOL);
        }
    }

    /**
     * Heads read and written in place: attentionPackedLse on a packed qkv (B, T, 3·H·Dh) at an
     * offset, and its backward into a zero dqkv, give the bits of the layout copies around the
     * contiguous kernels (the Backend default), in one launch per kernel and no copy; onto a
     * non-zero dqkv the backward adds the same gradient within a rounding.
     */
    @Test
    void packedHeadsGiveTheBitsOfTheLayoutCopies() {
        // {B, H, T, Dh}
        for (int[] c : new int[][] {{2, 3, 17, 16}, {1, 2, 50, 64}, {3, 1, 5, 17}, {2, 4, 65, 32}}) {
            int b = c[0], h = c[1], t = c[2], dh = c[3], d = h * dh;
            float[] qkvv = GpuFixture.randn(seed++, b * t * 3 * d, 1), gv = GpuFixture.randn(seed++, b * t * d, 1), d0 = GpuFixture.randn(seed++, b * t * 3 * d, 1);
            Tensor qkv = at(gpu, 3, b, t, 3 * d), out = at(gpu, 1, b, t, d), lse = at(gpu, 0, b, h, t), g = at(gpu, 2, b, t, d), dqkv = at(gpu, 1, b, t, 3 * d);
            gpu.write(qkv, qkvv);
            gpu.write(g, gv);
            gpu.write(dqkv, new float[b * t * 3 * d]); // zero, as the tape's gradient of a qkv projection whose one reader is attention
            Tensor outC = at(gpu, 0, b, t, d), lseC = at(gpu, 0, b, h, t), dqkvC = at(gpu, 0, b, t, 3 * d);
            gpu.write(dqkvC, new float[b * t * 3 * d]);
            long before = gpu.launches();
            gpu.attentionPackedLse(out, lse, qkv, h, 1 / Math.sqrt(dh));
            assertThat(gpu.launches() - before).as("forward launches").isEqualTo(1);
            before = gpu.launches();
            gpu.attentionPackedLseBackward(dqkv, g, qkv, out, lse, h, 1 / Math.sqrt(dh));
            assertThat(gpu.launches() - before).as("backward launches (delta, dk and dv, dq)").isEqualTo(3);
            Backend composed = composed(gpu);
            composed.attentionPackedLse(outC, lseC, qkv, h, 1 / Math.sqrt(dh));
            composed.attentionPackedLseBackward(dqkvC, g, qkv, outC, lseC, h, 1 / Math.sqrt(dh));
            String what = Arrays.toString(c);
            assertThat(gpu.readF32(out)).as("out " + what).containsExactly(gpu.readF32(outC));
            assertThat(gpu.readF32(lse)).as("lse " + what).containsExactly(gpu.readF32(lseC));
            assertThat(gpu.readF32(dqkv)).as("dqkv " + what).containsExactly(gpu.readF32(dqkvC));
            // onto a non-zero dqkv: the kernels add their sums in place (one rounding where a device fuses the
            // multiply-add), the copies add a rounded temporary, so the two may differ in the last bit
            gpu.write(dqkv, d0);
            gpu.write(dqkvC, d0);
            gpu.attentionPackedLseBackward(dqkv, g, qkv, out, lse, h, 1 / Math.sqrt(dh));
            Tensor dp = at(gpu, 0, b, t, 3 * d);
            gpu.write(dp, new float[b * t * 3 * d]);
            composed.attentionPackedLseBackward(dp, g, qkv, outC, lseC, h, 1 / Math.sqrt(dh));
            gpu.accumulate(dqkvC, dp, 1);
            double[] want = new double[b * t * 3 * d];
            float[] wc = gpu.readF32(dqkvC);
            for (int i = 0; i < want.length; i++) want[i] = wc[i];
            assertClose("accumulated dqkv " + what, gpu.readF32(dqkv), want, 1e-6, 1e-6);
        }
    }

    private static Tensor at(Backend be, int offset, int... dims) {
        return new Tensor(be, Shape.of(dims), DType.F32, be.allocate(DType.F32, Shape.of(dims).size() + offset, false), offset);
    }

    /** The GPU backend with the Backend defaults of the packed attention calls (the layout copies around its kernels). */
    private static Backend composed(GpuBackend gpu) {
        return (Backend) java.lang.reflect.Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
                (proxy, m, args) -> m.getName().startsWith("attentionPacked")
                        ? java.lang.reflect.InvocationHandler.invokeDefault(proxy, m, args) : m.invoke(gpu, args));
    }

    /** out and the gradients of Σ out ⊙ r with respect to q, k, v, through Ops and the tape on {@code be}. */
    private static List<float[]> throughOps(Backend be, float[] qv, float[] kv, float[] vv, float[] rv, int b, int h, int t, int dh) {
        ExecutionContext ctx = new ExecutionContext(be, 1);
        Ops ops = ctx.ops();
        Tensor q = ops.tensor(qv, b, h, t, dh), k = ops.tensor(kv, b, h, t, dh), v = ops.tensor(vv, b, h, t, dh), r = ops.tensor(rv, b, h, t, dh);
        for (Tensor x : new Tensor[]{q, k, v}) x.requiresGrad(true);
        try (Tape tape = ctx.record()) {
            Tensor out = ops.attentionOutput(q, k, v, 1 / Math.sqrt(dh));
            float[] o = out.toFloatArray();
            tape.backward(ops.sum(ops.mul(out, r)));
            return List.of(o, q.grad().toFloatArray(), k.grad().toFloatArray(), v.grad().toFloatArray());
        }
    }
}
