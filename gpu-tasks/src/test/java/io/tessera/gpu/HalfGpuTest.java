/*
 * The 16-bit types on the GPU backend (OpenCL, PoCL in CI; CUDA with -Dtessera.test.gpu=cuda),
 * each test once for bfloat16 and once for float16: the conversion kernels bit for bit against
 * BFloat16 and Float16 (ties both ways, overflow, subnormals, NaN, and random floats whose
 * dropped bits are a tie or next to one), at odd element offsets; fill, zeroed allocation, write
 * and read of 2-byte elements; the mixed-precision product (16-bit operands read by the tiled
 * kernels) against the float64 reference and against widened copies, bit for bit; the rounding
 * kernel and the rounded product of one launch against their compositions; and autocast through
 * Ops (linear and fused attention, forward and backward) against the same autocast on the CPU
 * reference backend. Autocast results are values of the type whose float32 sums were taken in
 * another order, so an element may sit an ulp away where a sum lies next to a rounding boundary,
 * and backward compounds such steps through three roundings (attention's gradients, then the
 * linear layer's): the test asks for values of the type everywhere, three quarters of them equal,
 * and a normwise difference under 4e-3 (two units of bfloat16 roundoff; float16's is 8 times
 * smaller).
 */
package io.tessera.gpu;

import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Shape;
import io.tessera.tensor.Tape;
import io.tessera.tensor.Tensor;
import io.tessera.tensor.cpu.ReferenceBackend;
import io.tessera.tensor.spi.Backend;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.SplittableRandom;

import static io.tessera.tensor.Tolerance.assertClose;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Tag("gpu")
class HalfGpuTest {

    /** Chosen and random floats for a 16-bit type: its ties, overflow and subnormals, NaNs, and floats whose dropped bits are a tie or next to one. */
    private static float[] cases(DType type) {
        float[] common = {0f, -0f, 1f, 0.1f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, Float.intBitsToFloat(0xFF800001),
                Float.intBitsToFloat(0x7F812345), Float.MAX_VALUE, Float.MIN_VALUE, Float.MIN_NORMAL, 1e-40f, -1e-40f};
        float[] special = type == DType.BF16
                ? new float[] {1.00390625f, 1.01171875f, -1.00390625f, 3.3895314e38f}
                : new float[] {1 + 0x1p-11f, 1 + 3 * 0x1p-11f, 65504f, 65519.996f, 65520f, -65520f, 1e5f, 0x1p-14f, Math.nextDown(0x1p-14f),
                        0x1p-24f, 0x1p-25f, Math.nextUp(0x1p-25f), 3 * 0x1p-25f, -5 * 0x1p-25f, 1e-8f};
        SplittableRandom r = new SplittableRandom(3);
        int dropped = type == DType.BF16 ? 16 : 13, half = 1 << (dropped - 1);
        int[] lows = {half - 1, half, half + 1, 0, (1 << dropped) - 1};
        float[] out = new float[common.length + special.length + 200 * lows.length + 1000];
        System.arraycopy(common, 0, out, 0, common.length);
        System.arraycopy(special, 0, out, common.length, special.length);
        int i = common.length + special.length;
        for (int j = 0; j < 200; j++) {
            // bfloat16: any finite exponent; float16: exponents from below its subnormals to above its range
            int hi = type == DType.BF16 ? r.nextInt(0xFF7F) << 16 : (r.nextInt(2) << 31) | (r.nextInt(100, 144) << 23) | (r.nextInt(1 << 10) << 13);
            for (int lo : lows) out[i++] = Float.intBitsToFloat(hi | lo);
        }
        double spread = type == DType.BF16 ? 8 : 4;
        while (i < out.length) out[i++] = (float) (r.nextGaussian() * Math.exp(r.nextGaussian() * spread));
        return out;
    }

    private static Tensor at(Backend be, DType t, int offset, int... dims) {
        return new Tensor(be, Shape.of(dims), t, be.allocate(t, Shape.of(dims).size() + offset, false), offset);
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"BF16", "F16"})
    void conversionsAreBitExact(DType type) {
        float[] v = cases(type);
        try (GpuBackend gpu = GpuFixture.backend()) {
            Tensor x = at(gpu, DType.F32, 1, v.length), h = at(gpu, type, 3, v.length), w = at(gpu, DType.F32, 2, v.length);
            gpu.write(x, v);
            gpu.copy(h, x);
            gpu.copy(w, h);
            float[] narrowed = gpu.readF32(h), widened = gpu.readF32(w);
            for (int i = 0; i < v.length; i++) {
                int want = Float.floatToRawIntBits(type.roundHalf(v[i]));
                assertThat(Float.floatToRawIntBits(narrowed[i])).as("%s of %s (bits %08x)", type, v[i], Float.floatToRawIntBits(v[i])).isEqualTo(want);
                assertThat(Float.floatToRawIntBits(widened[i])).isEqualTo(want);
            }
            Tensor h2 = at(gpu, type, 0, v.length);
            gpu.copy(h2, h);
            assertThat(gpu.readF32(h2)).usingElementComparator((a, b) -> Integer.compare(Float.floatToRawIntBits(a), Float.floatToRawIntBits(b)))
                    .containsExactly(narrowed);
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"BF16", "F16"})
    void fillZeroWriteAndReadTwoByteElements(DType type) {
        try (GpuBackend gpu = GpuFixture.backend()) {
            Tensor z = new Tensor(gpu, Shape.of(7), type, gpu.allocate(type, 7, true), 0);
            assertThat(gpu.readF32(z)).containsOnly(0f);
            for (int off : new int[] {0, 1}) {
                for (int n : new int[] {4, 5}) {
                    Tensor t = at(gpu, type, off, n);
                    gpu.fill(t, 0.1);
                    assertThat(gpu.readF32(t)).as("fill at offset %d of %d", off, n).containsOnly(type.halfValue(type.halfBits(0.1)));
                }
            }
            Tensor t = at(gpu, type, 1, 4);
            gpu.write(t, new short[] {type.halfBits(1), type.halfBits(2), type.halfBits(-3), 0});
            assertThat(gpu.readF32(t)).containsExactly(1f, 2f, -3f, 0f);
            Tensor f = at(gpu, DType.F32, 0, 4);
            assertThatThrownBy(() -> gpu.permute(t, t, new int[] {0}, false)).hasMessageContaining(type.toString());
            assertThatThrownBy(() -> gpu.unary(io.tessera.tensor.spi.UnaryOp.EXP, f, t)).hasMessageContaining("F32");
            assertThatThrownBy(() -> gpu.readI32(t)).hasMessageContaining("readF32");
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"BF16", "F16"})
    void mixedProductMatchesTheReference(DType type) {
        int b = 2, m = 37, k = 70, n = 45;
        ReferenceBackend ref = new ReferenceBackend();
        try (GpuBackend gpu = GpuFixture.backend()) {
            float[] av = GpuFixture.randn(1, b * m * k, 1), bv = GpuFixture.randn(2, k * n, 1), cv = GpuFixture.randn(3, b * m * n, 1);
            for (boolean tb : new boolean[] {false, true}) {
                Tensor a32 = at(gpu, DType.F32, 0, b, m, k), b32 = at(gpu, DType.F32, 0, 1, tb ? n : k, tb ? k : n), c = at(gpu, DType.F32, 1, b, m, n);
                gpu.write(a32, av);
                gpu.write(b32, bv);
                gpu.write(c, cv);
                Tensor a16 = at(gpu, type, 1, b, m, k), b16 = at(gpu, type, 0, 1, tb ? n : k, tb ? k : n);
                gpu.copy(a16, a32);
                gpu.copy(b16, b32);
                gpu.matmul(c, a16, b16, false, tb, 0.5, 1);
                // the kernels read the 16-bit operands directly: the bits of widened float32 copies
                Tensor aw = at(gpu, DType.F32, 0, b, m, k), bw = at(gpu, DType.F32, 0, 1, tb ? n : k, tb ? k : n), cw = at(gpu, DType.F32, 0, b, m, n);
                gpu.copy(aw, a16);
                gpu.copy(bw, b16);
                gpu.write(cw, cv);
                gpu.matmul(cw, aw, bw, false, tb, 0.5, 1);
                assertThat(gpu.readF32(c)).as("%s operands read in place, transB=%s", type, tb).containsExactly(gpu.readF32(cw));

                Tensor ra = at(ref, DType.F32, 0, b, m, k), rb = at(ref, DType.F32, 0, 1, tb ? n : k, tb ? k : n), rc = at(ref, DType.F64, 0, b, m, n);
                ref.write(ra, av);
                ref.write(rb, bv);
                double[] cd = new double[cv.length];
                for (int i = 0; i < cd.length; i++) cd[i] = cv[i];
                ref.write(rc, cd);
                Tensor ra16 = at(ref, type, 0, b, m, k), rb16 = at(ref, type, 0, 1, tb ? n : k, tb ? k : n);
                ref.copy(ra16, ra);
                ref.copy(rb16, rb);
                Tensor ra64 = at(ref, DType.F64, 0, b, m, k), rb64 = at(ref, DType.F64, 0, 1, tb ? n : k, tb ? k : n);
                ref.copy(ra64, ra16);
                ref.copy(rb64, rb16);
                ref.matmul(rc, ra64, rb64, false, tb, 0.5, 1);
                assertClose(type + " product, transB=" + tb, gpu.readF32(c), ref.readF64(rc), 1e-5, 1e-5);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"BF16", "F16"})
    void roundingKernelIsBitExact(DType type) {
        float[] v = cases(type);
        try (GpuBackend gpu = GpuFixture.backend()) {
            Tensor x = at(gpu, DType.F32, 1, v.length), out = at(gpu, DType.F32, 2, v.length);
            gpu.write(x, v);
            gpu.roundHalf(out, x, type);
            gpu.roundHalf(x, x, type); // in place
            float[] got = gpu.readF32(out), inPlace = gpu.readF32(x);
            for (int i = 0; i < v.length; i++) {
                int want = Float.floatToRawIntBits(type.roundHalf(v[i]));
                assertThat(Float.floatToRawIntBits(got[i])).as("round of bits %08x", Float.floatToRawIntBits(v[i])).isEqualTo(want);
                assertThat(Float.floatToRawIntBits(inPlace[i])).isEqualTo(want);
            }
        }
    }

    /**
     * Autocast's rounded product in one launch (16-bit operands read directly, the rounding in
     * the epilogue): the bits of the product into a float32 temporary, rounded, then added, on the
     * same device, for the standard and 128 × 128 tiles, with a bias, accumulating, and shared b.
     */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"BF16", "F16"})
    void roundedProductInOneLaunchGivesTheBitsOfTheComposition(DType type) {
        // {batch a, batch b, m, n, k}
        int[][] cases = {{1, 1, 17, 45, 70}, {2, 1, 37, 65, 33}, {1, 1, 130, 257, 40}, {2, 2, 128, 129, 9}};
        try (GpuBackend gpu = GpuFixture.backend()) {
            int seed = 10;
            for (int[] c : cases) {
                int ba = c[0], bb = c[1], m = c[2], n = c[3], k = c[4];
                for (int form = 0; form < 3; form++) { // 0: plain, 1: bias, 2: accumulate
                    for (boolean tb : new boolean[] {false, true}) {
                        Tensor a16 = at(gpu, type, 1, ba, m, k), b16 = at(gpu, type, 0, bb, tb ? n : k, tb ? k : n);
                        Tensor a32 = at(gpu, DType.F32, 0, ba, m, k), b32 = at(gpu, DType.F32, 0, bb, tb ? n : k, tb ? k : n);
                        gpu.write(a32, GpuFixture.randn(seed++, ba * m * k, 1));
                        gpu.write(b32, GpuFixture.randn(seed++, bb * k * n, 1));
                        gpu.copy(a16, a32);
                        gpu.copy(b16, b32);
                        Tensor bias = form == 1 ? at(gpu, DType.F32, 0, n) : null;
                        if (bias != null) gpu.write(bias, GpuFixture.randn(seed++, n, 1));
                        float[] c0 = GpuFixture.randn(seed++, ba * m * n, 1);
                        Tensor fused = at(gpu, DType.F32, 1, ba, m, n), composed = at(gpu, DType.F32, 0, ba, m, n);
                        gpu.write(fused, c0);
                        gpu.write(composed, c0);
                        long before = gpu.launches();
                        gpu.matmulHalf(fused, a16, b16, false, tb, bias, form == 2);
                        assertThat(gpu.launches() - before).as("one launch").isEqualTo(1);
                        Tensor t = at(gpu, DType.F32, 0, ba, m, n);
                        if (bias != null) {
                            Tensor br = at(gpu, DType.F32, 0, n);
                            gpu.roundHalf(br, bias, type);
                            gpu.expand(t, br.view(Shape.of(1, 1, n)), 1, false);
                            gpu.matmul(t, a16, b16, false, tb, 1, 1);
                        } else {
                            gpu.matmul(t, a16, b16, false, tb, 1, 0);
                        }
                        gpu.roundHalf(t, t, type);
                        if (form == 2) gpu.accumulate(composed, t, 1);
                        else gpu.copy(composed, t);
                        String what = type + " rounded product " + java.util.Arrays.toString(c) + " form " + form + " transB=" + tb;
                        assertThat(gpu.readF32(fused)).as(what).usingElementComparator((x, y) -> Integer.compare(Float.floatToRawIntBits(x),
                                Float.floatToRawIntBits(y))).containsExactly(gpu.readF32(composed));
                    }
                }
            }
        }
    }

    /** Autocast's bias gradient read from the 16-bit type and rounded in the column sums: the bits of widen, sum, round, add. */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"BF16", "F16"})
    void biasGradientFromHalfGivesTheBitsOfTheComposition(DType type) {
        try (GpuBackend gpu = GpuFixture.backend()) {
            int seed = 40;
            for (int[] c : new int[][] {{65, 7}, {300, 45}, {8321, 33}, {30, 5}}) {
                int n = c[0], d = c[1];
                Tensor x32 = at(gpu, DType.F32, 0, n, d), x16 = at(gpu, type, 1, n, d);
                gpu.write(x32, GpuFixture.randn(seed++, n * d, 1));
                gpu.copy(x16, x32);
                float[] start = GpuFixture.randn(seed++, d, 1);
                Tensor fused = at(gpu, DType.F32, 1, d), composed = at(gpu, DType.F32, 0, d);
                gpu.write(fused, start);
                gpu.write(composed, start);
                gpu.sumRowsHalf(fused, x16);
                Tensor w = at(gpu, DType.F32, 0, n, d), t = at(gpu, DType.F32, 0, d);
                gpu.copy(w, x16);
                gpu.sumTo(t.view(Shape.of(1, 1, d)), w.view(Shape.of(1, n, d)), 1, false);
                gpu.roundHalf(t, t, type);
                gpu.accumulate(composed, t, 1);
                assertThat(gpu.readF32(fused)).as("bias gradient (%d, %d)", n, d).containsExactly(gpu.readF32(composed));
            }
        }
    }

    /** Linear then attention under autocast, and their backward, on the GPU and on the CPU reference. */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"BF16", "F16"})
    void autocastMatchesTheCpuReference(DType type) {
        int bsz = 2, t = 17, d = 32, heads = 4;
        float[] xv = GpuFixture.randn(4, bsz * t * d, 1), wv = GpuFixture.randn(5, 3 * d * d, 0.2), bv = GpuFixture.randn(6, 3 * d, 0.1),
                gv = GpuFixture.randn(7, bsz * t * d, 1);
        float[][] gpuOut = run(new ExecutionContext(GpuFixture.backend(), 0), type, xv, wv, bv, gv, bsz, t, d, heads);
        float[][] refOut = run(new ExecutionContext(new ReferenceBackend(), 0), type, xv, wv, bv, gv, bsz, t, d, heads);
        String[] names = {"out", "dx", "dW", "db"};
        for (int i = 0; i < names.length; i++) {
            int exact = 0;
            double num = 0, den = 0;
            for (int j = 0; j < refOut[i].length; j++) {
                float g = gpuOut[i][j], r = refOut[i][j];
                assertThat(type.roundHalf(g)).as("%s[%d] is a %s value", names[i], j, type).isEqualTo(g);
                num += (double) (g - r) * (g - r);
                den += (double) r * r;
                if (g == r) exact++;
            }
            assertThat(Math.sqrt(num / den)).as(names[i] + " normwise").isLessThan(4e-3);
            assertThat(exact).as(names[i]).isGreaterThanOrEqualTo((int) (0.75 * refOut[i].length));
        }
    }

    private static float[][] run(ExecutionContext ctx, DType type, float[] xv, float[] wv, float[] bv, float[] gv, int bsz, int t, int d, int heads) {
        try (ctx) {
            Ops ops = ctx.ops();
            Tensor x = ops.tensor(xv, bsz, t, d).requiresGrad(true), w = ops.tensor(wv, 3 * d, d).requiresGrad(true), b = ops.tensor(bv, 3 * d).requiresGrad(true);
            Tensor o;
            try (Tape tape = ctx.record()) {
                try (ExecutionContext.Autocast ac = ctx.autocast(type)) {
                    Tensor qkv = ops.permute(ops.reshape(ops.linear(x, w, b), bsz, t, 3, heads, d / heads), 2, 0, 3, 1, 4);
                    Tensor q = ops.reshape(ops.slice(qkv, 0, 0, 1), bsz, heads, t, d / heads);
                    Tensor k = ops.reshape(ops.slice(qkv, 0, 1, 1), bsz, heads, t, d / heads);
                    Tensor v = ops.reshape(ops.slice(qkv, 0, 2, 1), bsz, heads, t, d / heads);
                    o = ops.attentionOutput(q, k, v, 1 / Math.sqrt(d / heads));
                }
                tape.backward(ops.sum(ops.mul(o, ops.tensor(gv, o.shape().dims()))));
            }
            return new float[][] {o.toFloatArray(), x.grad().toFloatArray(), w.grad().toFloatArray(), b.grad().toFloatArray()};
        }
    }
}
