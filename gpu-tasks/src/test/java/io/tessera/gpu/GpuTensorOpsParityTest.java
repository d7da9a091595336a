/*
 * The GPU backend's (OpenCL, or CUDA with -Dtessera.test.gpu=cuda) matrix products, elementwise ops, reductions and layout ops on a real
 * device (PoCL in CI) against the scalar ReferenceBackend on the same F32 inputs: awkward sizes
 * (1, primes, non-multiples of the tiles), broadcasting on every axis, tensors at non-zero
 * offsets in their storage, in-place aliasing, accumulating paths, null gradients, index
 * errors, bit-for-bit determinism of the reductions, and a short autograd run through Ops.
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
import io.tessera.tensor.spi.BinaryOp;
import io.tessera.tensor.spi.UnaryOp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Consumer;

import static io.tessera.tensor.Tolerance.assertClose;
import static io.tessera.gpu.GpuFixture.randn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Tag("gpu")
class GpuTensorOpsParityTest {
    private static final double ATOL = 1e-6, RTOL = 1e-5;

    private static GpuBackend cl;
    private static final ReferenceBackend REF = new ReferenceBackend();

    private static synchronized GpuBackend cl() {
        if (cl == null) cl = GpuFixture.backend();
        return cl;
    }

    @AfterAll
    static void closeBackend() {
        if (cl != null) cl.close();
        cl = null;
    }

    /** The same tensor on both backends, at the same element offset in a slightly larger storage. */
    private record Pair(Tensor cl, Tensor ref) {
        Shape shape() {
            return ref.shape();
        }
    }

    private static Tensor make(Backend be, Shape s, DType t, int offset, Object data) {
        Tensor x = new Tensor(be, s, t, be.allocate(t, offset + s.size() + 3, false), offset);
        be.write(x, data);
        return x;
    }

    private static Pair pair(float[] data, int offset, int... dims) {
        Shape s = Shape.of(dims);
        return new Pair(make(cl(), s, DType.F32, offset, data.clone()), make(REF, s, DType.F32, offset, data.clone()));
    }

    /** Gaussian data at offset {@code seed % 7} (0 for seeds divisible by 7). */
    private static Pair rand(long seed, int... dims) {
        return pair(randn(seed, Shape.of(dims).size(), 1.0), (int) (seed % 7), dims);
    }

    private static Pair ints(int[] data, int offset, int... dims) {
        Shape s = Shape.of(dims);
        return new Pair(make(cl(), s, DType.I32, offset, data.clone()), make(REF, s, DType.I32, offset, data.clone()));
    }

    private static void same(String what, Pair p, double atol, double rtol) {
        assertClose(what, cl().readF32(p.cl()), REF.readF64(p.ref()), atol, rtol);
    }

    private static void same(String what, Pair p) {
        same(what, p, ATOL, RTOL);
    }

    /** Runs {@code op} on both backends (with the pair's cl or ref tensors via {@code side}). */
    private static void both(Consumer<Boolean> op) {
        op.accept(true);
        op.accept(false);
    }

    private static Tensor on(boolean device, Pair p) {
        return p == null ? null : device ? p.cl() : p.ref();
    }

    private static Backend be(boolean device) {
        return device ? cl() : REF;
    }

    // ---- copy, affine, accumulate -----------------------------------------------------------

    @Test
    void copyMovesF32AndI32AndConvertsBetweenThem() {
        Pair x = rand(3, 7, 13), out = rand(14, 7, 13);
        both(d -> be(d).copy(on(d, out), on(d, x)));
        same("copy F32", out, 0, 0);

        int[] iv = {0, -1, 7, Integer.MAX_VALUE, Integer.MIN_VALUE, 42, 1 << 25};
        Pair xi = ints(iv, 2, 7), oi = ints(new int[7], 5, 7);
        both(d -> be(d).copy(on(d, oi), on(d, xi)));
        assertThat(cl().readI32(oi.cl())).as("copy I32 keeps every bit").containsExactly(iv);

        Pair f = pair(new float[]{1.9f, -1.9f, 0f, Float.NaN, 3e9f, -3e9f, 12345.5f}, 1, 7), toInt = ints(new int[7], 3, 7);
        both(d -> be(d).copy(on(d, toInt), on(d, f)));
        assertThat(cl().readI32(toInt.cl())).as("F32 to I32 as a Java cast").containsExactly(REF.readI32(toInt.ref()));

        Pair toFloat = rand(4, 7);
        both(d -> be(d).copy(on(d, toFloat), on(d, xi)));
        same("I32 to F32", toFloat, 0, 0);
    }

    @Test
    void affineAndAccumulateMatchTheReferenceAlsoInPlace() {
        Pair x = rand(8, 61), out = rand(15, 61);
        both(d -> be(d).affine(on(d, out), on(d, x), -1.5, 0.25));
        same("affine", out);
        both(d -> be(d).affine(on(d, x), on(d, x), 3, -2)); // in place
        same("affine in place", x);
        Pair dst = rand(22, 5, 13), src = rand(29, 5, 13);
        both(d -> be(d).accumulate(on(d, dst), on(d, src), 0.5));
        same("accumulate", dst);
        both(d -> be(d).accumulate(on(d, dst), on(d, dst), 2)); // dst += 2·dst
        same("accumulate into itself", dst);
        both(d -> be(d).accumulate(null, on(d, src), 1)); // a null destination is a no-op
    }

    // ---- unary ------------------------------------------------------------------------------

    private static Pair unaryInput(UnaryOp op, long seed, int... dims) {
        float[] v = randn(seed, Shape.of(dims).size(), 1.5);
        if (op == UnaryOp.LOG || op == UnaryOp.SQRT || op == UnaryOp.RSQRT) {
            for (int i = 0; i < v.length; i++) v[i] = Math.abs(v[i]) + 0.1f;
        }
        v[0] = 0.0f; // ABS, RELU and friends at 0
        if (op == UnaryOp.LOG || op == UnaryOp.SQRT || op == UnaryOp.RSQRT) v[0] = 0.5f;
        return pair(v, 3, dims);
    }

    @Test
    void everyUnaryOpMatchesTheReferenceIncludingInPlace() {
        for (UnaryOp op : UnaryOp.values()) {
            Pair x = unaryInput(op, 31 + op.ordinal(), 3, 67), out = rand(2, 3, 67);
            both(d -> be(d).unary(op, on(d, out), on(d, x)));
            same("unary " + op, out);
            both(d -> be(d).unary(op, on(d, x), on(d, x)));
            same("unary " + op + " in place", x);
        }
    }

    @Test
    void everyUnaryBackwardAccumulatesLikeTheReference() {
        for (UnaryOp op : UnaryOp.values()) {
            Pair x = unaryInput(op, 51 + op.ordinal(), 61), y = rand(1, 61), dy = rand(9, 61), dx = rand(16, 61);
            both(d -> be(d).unary(op, on(d, y), on(d, x)));
            both(d -> be(d).unaryBackward(op, on(d, dx), on(d, dy), on(d, x), on(d, y)));
            same("unaryBackward " + op, dx, 1e-5, 1e-5);
            both(d -> be(d).unaryBackward(op, null, on(d, dy), on(d, x), on(d, y))); // not needed: nothing happens
        }
    }

    // ---- binary -----------------------------------------------------------------------------

    /** {out, a, b} shapes: broadcasting on each axis, size-1 axes, lower-rank operands, a 5-axis alternation. */
    private static final int[][][] BINARY_SHAPES = {
            {{3, 4, 5}, {3, 4, 5}, {3, 4, 5}},
            {{3, 4, 5}, {1, 4, 5}, {3, 4, 5}},
            {{3, 4, 5}, {3, 1, 5}, {4, 1}},
            {{3, 4, 5}, {3, 4, 1}, {5}},
            {{2, 1, 7}, {1}, {2, 1, 7}},
            {{1}, {1}, {1}},
            {{13, 61}, {13, 1}, {1, 61}},
            {{2, 3, 2, 3, 2}, {2, 1, 2, 1, 2}, {1, 3, 1, 3, 1}}, // 5 axes after merging: several launches
    };

    @Test
    void everyBinaryOpBroadcastsLikeTheReference() {
        long seed = 100;
        for (BinaryOp op : BinaryOp.values()) {
            for (int[][] s : BINARY_SHAPES) {
                Pair a = rand(seed++, s[1]), b = rand(seed++, s[2]), out = rand(seed++, s[0]);
                if (op == BinaryOp.DIV) b = pair(shift(cl().readF32(b.cl()), 2f), 4, s[2]);
                Pair bb = b;
                both(d -> be(d).binary(op, on(d, out), on(d, a), on(d, bb)));
                same("binary " + op + " " + Arrays.deepToString(s), out);
            }
        }
        // in place: out aliases a (same shape), b broadcast
        Pair a = rand(7, 6, 5), b = rand(8, 5);
        both(d -> be(d).binary(BinaryOp.MUL, on(d, a), on(d, a), on(d, b)));
        same("binary MUL in place", a);
    }

    @Test
    void binaryRejectsShapesThatDoNotBroadcast() {
        Pair a = rand(1, 3, 4), b = rand(2, 5), out = rand(3, 3, 4);
        assertThatThrownBy(() -> cl().binary(BinaryOp.ADD, out.cl(), a.cl(), b.cl())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("binary ADD").hasMessageContaining("(5)").hasMessageContaining("(3, 4)");
    }

    @Test
    void everyBinaryBackwardReducesToEachOperandLikeTheReference() {
        long seed = 300;
        for (BinaryOp op : BinaryOp.values()) {
            for (int[][] s : BINARY_SHAPES) {
                Pair a = rand(seed++, s[1]), b = rand(seed++, s[2]), dy = rand(seed++, s[0]);
                if (op == BinaryOp.DIV) b = pair(shift(cl().readF32(b.cl()), 2f), 4, s[2]);
                Pair bb = b, da = rand(seed++, s[1]), db = rand(seed++, s[2]);
                both(d -> be(d).binaryBackward(op, on(d, da), on(d, db), on(d, dy), on(d, a), on(d, bb)));
                double atol = 1e-5 * Math.sqrt(Shape.of(s[0]).size());
                same("binaryBackward " + op + " da " + Arrays.deepToString(s), da, atol, 1e-5);
                same("binaryBackward " + op + " db " + Arrays.deepToString(s), db, atol, 1e-5);
                // one gradient not needed
                both(d -> be(d).binaryBackward(op, null, on(d, db), on(d, dy), on(d, a), on(d, bb)));
                same("binaryBackward " + op + " db only " + Arrays.deepToString(s), db, 2 * atol, 1e-5);
                both(d -> be(d).binaryBackward(op, on(d, da), null, on(d, dy), on(d, a), on(d, bb)));
                same("binaryBackward " + op + " da only " + Arrays.deepToString(s), da, 2 * atol, 1e-5);
            }
        }
    }

    private static float[] shift(float[] v, float away) {
        float[] o = v.clone();
        for (int i = 0; i < o.length; i++) o[i] = o[i] >= 0 ? o[i] + away : o[i] - away;
        return o;
    }

    // ---- reductions and broadcasts ----------------------------------------------------------

    @Test
    void sumToMatchesTheReferenceOnEveryPath() {
        int[][][] cases = { // {x, out}
                {{7, 13}, {1, 13}},          // serial: short sums
                {{7, 13}, {7, 1}},
                {{3, 500}, {3, 1}},          // a work-group per output
                {{500, 3}, {3}},             // column sums: blocks of rows, then a second pass
                {{65, 1}, {1, 1}},           // column sums in one block
                {{1, 8321, 33}, {1, 1, 33}}, // a bias gradient: blocks that do not divide the rows
                {{130, 768}, {768}},
                {{70, 2100}, {1, 2100}},     // more columns than the serial path's threshold
                {{40000}, {1}},              // chunked partial sums, then a second pass
                {{3, 20011}, {3, 1}},        // chunked, several outputs
                {{2, 3, 4, 5}, {1, 3, 1, 5}},
                {{2, 3, 4, 5, 6}, {2, 1, 4, 1, 6}},
                {{5, 1, 61}, {1, 1, 1}},
                {{4, 2600}, {4, 2600}},      // no reduction: a scaled copy over many outputs
                {{1}, {}},
        };
        long seed = 500;
        for (int[][] c : cases) {
            for (boolean acc : new boolean[]{false, true}) {
                Pair x = rand(seed++, c[0]), out = rand(seed++, c[1]);
                both(d -> be(d).sumTo(on(d, out), on(d, x), 0.75, acc));
                int nred = x.shape().size() / Math.max(1, out.shape().size());
                same("sumTo " + Arrays.deepToString(c) + " acc=" + acc, out, 1e-5 * Math.sqrt(nred), 1e-5);
            }
        }
        // an empty x sums to 0
        Pair empty = new Pair(new Tensor(cl(), Shape.of(0, 3), DType.F32, cl().allocate(DType.F32, 0, false), 0),
                new Tensor(REF, Shape.of(0, 3), DType.F32, REF.allocate(DType.F32, 0, false), 0));
        Pair out = rand(9, 1, 3);
        both(d -> be(d).sumTo(on(d, out), on(d, empty), 1, false));
        same("sumTo of an empty tensor", out, 0, 0);
    }

    @Test
    void expandMatchesTheReferenceAndAccumulates() {
        int[][][] cases = {{{1, 13}, {7, 13}}, {{7, 1}, {7, 13}}, {{5}, {2, 3, 5}}, {{1}, {61}}, {{3, 1, 4}, {2, 3, 5, 4}}, {{}, {2, 2}}};
        long seed = 600;
        for (int[][] c : cases) {
            for (boolean acc : new boolean[]{false, true}) {
                Pair x = rand(seed++, c[0]), out = rand(seed++, c[1]);
                both(d -> be(d).expand(on(d, out), on(d, x), -2.0, acc));
                same("expand " + Arrays.deepToString(c) + " acc=" + acc, out);
            }
        }
    }

    @Test
    void maxAlongMatchesTheReference() {
        int[][] cases = {{3, 61, 7}, {1, 1, 1}, {13, 1, 5}, {1, 200, 1}, {4, 7, 1}};
        long seed = 700;
        for (int[] c : cases) {
            Pair x = rand(seed++, c[0], c[1], c[2]), out = rand(seed++, c[0], c[2]);
            both(d -> be(d).maxAlong(on(d, out), on(d, x), c[0], c[1], c[2]));
            same("maxAlong " + Arrays.toString(c), out, 0, 0);
        }
        Pair x = pair(new float[]{1, Float.NaN, 3, 2, 0, -1}, 2, 2, 3), out = rand(1, 2);
        both(d -> be(d).maxAlong(on(d, out), on(d, x), 2, 3, 1));
        same("maxAlong propagates NaN", out, 0, 0);
    }

    // ---- matmul -----------------------------------------------------------------------------

    @Test
    void matmulMatchesTheReferenceForEveryTransposeAndBatchSharing() {
        // {Bc, Ba, Bb, M, N, K}
        // the last three take the 128 x 128 kernel (sgemm_large.kc): full tiles, tails in M, N and K
        int[][] cases = {{1, 1, 1, 1, 1, 1}, {3, 3, 1, 7, 13, 61}, {2, 1, 2, 33, 5, 17}, {2, 2, 2, 67, 65, 40}, {1, 1, 1, 5, 3, 0},
                {1, 1, 1, 128, 128, 16}, {2, 2, 1, 130, 257, 19}, {1, 1, 1, 200, 131, 1}};
        long seed = 800;
        for (int[] c : cases) {
            for (int t = 0; t < 4; t++) {
                boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
                int bc = c[0], ba = c[1], bb = c[2], m = c[3], n = c[4], k = c[5];
                Pair a = rand(seed++, ba, ta ? k : m, ta ? m : k), b = rand(seed++, bb, tb ? n : k, tb ? k : n);
                Pair cc = rand(seed++, bc, m, n);
                double alpha = 0.5, beta = (t == 1) ? 0 : 1.5;
                if (beta == 0) cl().fill(cc.cl(), Float.NaN); // beta = 0 must not read c
                both(d -> be(d).matmul(on(d, cc), on(d, a), on(d, b), ta, tb, alpha, beta));
                same("matmul " + Arrays.toString(c) + " transA=" + ta + " transB=" + tb + " beta=" + beta, cc,
                        1e-4 * Math.sqrt(Math.max(1, k)), 1e-4);
            }
        }
    }

    @Test
    void biasInTheEpilogueGivesTheBitsOfBroadcastThenProduct() {
        // {Bc, Ba, Bb, M, N, K}: small and standard tiles, then the 128 x 128 kernel with tails
        int[][] cases = {{1, 1, 1, 1, 1, 1}, {3, 3, 1, 7, 13, 61}, {2, 1, 2, 67, 65, 40}, {1, 1, 1, 5, 3, 0}, {2, 2, 1, 130, 257, 19}};
        long seed = 1700;
        for (int[] c : cases) {
            for (int t = 0; t < 4; t++) {
                boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
                int bc = c[0], ba = c[1], bb = c[2], m = c[3], n = c[4], k = c[5];
                Pair a = rand(seed++, ba, ta ? k : m, ta ? m : k), b = rand(seed++, bb, tb ? n : k, tb ? k : n), bias = rand(seed++, n);
                Pair fused = rand(seed++, bc, m, n), composed = rand(seed++, bc, m, n);
                cl().fill(fused.cl(), Float.NaN); // c's old values are not read
                both(d -> be(d).matmulBias(on(d, fused), on(d, a), on(d, b), ta, tb, on(d, bias)));
                String what = "matmulBias " + Arrays.toString(c) + " transA=" + ta + " transB=" + tb;
                same(what, fused, 1e-4 * Math.sqrt(Math.max(1, k)), 1e-4);
                cl().expand(composed.cl(), bias.cl().view(Shape.of(1, 1, n)), 1.0, false);
                cl().matmul(composed.cl(), a.cl(), b.cl(), ta, tb, 1, 1);
                assertThat(cl().readF32(fused.cl())).as(what + ": the bits of expand, then matmul with beta = 1")
                        .isEqualTo(cl().readF32(composed.cl()));
            }
        }
        // the same with GELU from the epilogue: the bits of unary GELU over the pre-activation
        for (int[] c : new int[][]{{1, 1, 1, 7, 13, 61}, {1, 1, 1, 67, 65, 40}, {2, 2, 1, 130, 257, 19}}) {
            int bc = c[0], ba = c[1], bb = c[2], m = c[3], n = c[4], k = c[5];
            Pair a = rand(seed++, ba, m, k), b = rand(seed++, bb, n, k), bias = rand(seed++, n);
            Pair h = rand(seed++, bc, m, n), act = rand(seed++, bc, m, n), composed = rand(seed++, bc, m, n);
            both(d -> be(d).matmulBiasGelu(on(d, h), on(d, act), on(d, a), on(d, b), false, true, on(d, bias)));
            String what = "matmulBiasGelu " + Arrays.toString(c);
            same(what + " pre-activation", h, 1e-4 * Math.sqrt(k), 1e-4);
            same(what + " gelu", act, 1e-4 * Math.sqrt(k), 1e-4);
            cl().unary(UnaryOp.GELU, composed.cl(), h.cl());
            assertThat(cl().readF32(act.cl())).as(what + ": the bits of unary GELU").isEqualTo(cl().readF32(composed.cl()));
        }
        Pair a = rand(1, 1, 4, 3), b = rand(2, 1, 3, 5), c = rand(3, 1, 4, 5), shortBias = rand(4, 4);
        assertThatThrownBy(() -> cl().matmulBias(c.cl(), a.cl(), b.cl(), false, false, shortBias.cl()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must have 5 elements");
    }

    @Test
    void weightGradientsSplitAlongKMatchTheReference() {
        // aᵀ·b with a (K, M), b (K, N), K ≫ M, N: split into chunks of K (a remainder chunk when K is not a multiple)
        int[][] cases = {{20, 30, 5000}, {7, 3, 4099}, {33, 65, 2048}};
        long seed = 900;
        for (int[] c : cases) {
            int m = c[0], n = c[1], k = c[2];
            for (double beta : new double[]{0, 1, -0.5}) {
                Pair a = rand(seed++, 1, k, m), b = rand(seed++, 1, k, n), cc = rand(seed++, 1, m, n);
                if (beta == 0) cl().fill(cc.cl(), Float.NaN);
                both(d -> be(d).matmul(on(d, cc), on(d, a), on(d, b), true, false, 0.75, beta));
                same("aᵀ·b " + Arrays.toString(c) + " beta=" + beta, cc, 1e-4 * Math.sqrt(k), 1e-4);
            }
        }
    }

    @Test
    void matmulWhoseOutputIsItsInputReadsTheOldValues() {
        Pair a = rand(7, 2, 5, 4), b = rand(8, 1, 4, 4);
        both(d -> be(d).matmul(on(d, a), on(d, a), on(d, b), false, false, 1, 0.5));
        same("c = a·b + 0.5·c with c = a", a, 1e-4, 1e-4);
    }

    // ---- layout -----------------------------------------------------------------------------

    @Test
    void permuteMatchesTheReferenceAtEveryRankAndAccumulates() {
        int[][][] cases = { // {x dims, perm}
                {{61}, {0}},
                {{7, 13}, {1, 0}},
                {{2, 3, 5}, {2, 0, 1}},
                {{2, 3, 5}, {0, 2, 1}},
                {{2, 3, 4, 5}, {0, 2, 1, 3}},
                {{1, 3, 1, 5}, {3, 2, 1, 0}},
                {{2, 3, 2, 4, 2, 3}, {0, 2, 4, 3, 5, 1}}, // patchify-like: 6 axes
                {{2, 2, 2, 2, 2, 2, 2}, {6, 5, 4, 3, 2, 1, 0}}, // 7 axes that do not merge: several launches
                // the innermost axis kept and contiguous: runs of 4 elements per work-item, with a short last run
                {{2, 5, 3, 2, 64}, {2, 0, 3, 1, 4}},           // attention's head split, (B, T, 3, H, Dh) → (3, B, H, T, Dh)
                {{3, 2, 5, 9}, {0, 2, 1, 3}},                  // its merge, a row of 9
                {{2, 2, 3, 2, 2, 2, 8}, {5, 4, 3, 2, 1, 0, 6}},  // 7 axes, runs
                {{4, 3, 7}, {1, 0, 2}},                        // a row of 7: too short for runs
        };
        long seed = 900;
        for (int[][] c : cases) {
            int[] od = new int[c[1].length];
            for (int i = 0; i < od.length; i++) od[i] = c[0][c[1][i]];
            for (boolean acc : new boolean[]{false, true}) {
                Pair x = rand(seed++, c[0]), out = rand(seed++, od);
                both(d -> be(d).permute(on(d, out), on(d, x), c[1], acc));
                same("permute " + Arrays.deepToString(c) + " acc=" + acc, out);
            }
        }
        int[] iv = new int[24];
        for (int i = 0; i < iv.length; i++) iv[i] = i * 1000003;
        Pair xi = ints(iv, 1, 2, 3, 4), oi = ints(new int[24], 2, 4, 2, 3);
        both(d -> be(d).permute(on(d, oi), on(d, xi), new int[]{2, 0, 1}, false));
        assertThat(cl().readI32(oi.cl())).as("permute of I32").containsExactly(REF.readI32(oi.ref()));
        Pair bad = rand(1, 3, 2);
        assertThatThrownBy(() -> cl().permute(bad.cl(), xi.cl(), new int[]{0, 0, 1}, false)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("permute [0, 0, 1]");
    }

    @Test
    void slicesReadAndWriteAlongEveryAxis() {
        int[] big = {3, 7, 5};
        long seed = 1000;
        for (int axis = 0; axis < 3; axis++) {
            int start = axis == 2 ? 1 : 2, len = axis == 0 ? 1 : 3;
            int[] small = big.clone();
            small[axis] = len;
            for (boolean acc : new boolean[]{false, true}) {
                int ax = axis;
                Pair x = rand(seed++, big), out = rand(seed++, small);
                both(d -> be(d).readSlice(on(d, out), on(d, x), ax, start, acc));
                same("readSlice axis " + axis + " acc=" + acc, out);
                Pair dst = rand(seed++, big), src = rand(seed++, small);
                both(d -> be(d).writeSlice(on(d, dst), on(d, src), ax, start, acc));
                same("writeSlice axis " + axis + " acc=" + acc, dst);
            }
        }
        Pair x = rand(1, 3, 7), out = rand(2, 3, 4);
        assertThatThrownBy(() -> cl().readSlice(out.cl(), x.cl(), 1, 5, false)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("readSlice on axis 1 at 5");
    }

    @Test
    void gatherAndScatterAddMatchTheReferenceOnEveryAxis() {
        SplittableRandom r = new SplittableRandom(5);
        int[] xd = {3, 13, 4};
        long seed = 1100;
        for (int axis = 0; axis < 3; axis++) {
            int k = axis == 2 ? 6 : 9; // more indices than some axes: repeats
            int[] id = new int[axis + 1];
            System.arraycopy(xd, 0, id, 0, axis);
            id[axis] = k;
            int[] iv = new int[Shape.of(id).size()];
            for (int i = 0; i < iv.length; i++) iv[i] = r.nextInt(xd[axis]);
            iv[0] = iv[iv.length - 1]; // at least one repeat
            int[] od = xd.clone();
            od[axis] = k;
            int ax = axis;
            Pair x = rand(seed++, xd), index = ints(iv, 3, id), out = rand(seed++, od);
            both(d -> be(d).gather(on(d, out), on(d, x), on(d, index), ax));
            same("gather axis " + axis, out, 0, 0);
            Pair dx = rand(seed++, xd), dout = rand(seed++, od);
            both(d -> be(d).scatterAdd(on(d, dx), on(d, dout), on(d, index), ax));
            same("scatterAdd axis " + axis, dx);
            both(d -> be(d).scatterAdd(null, on(d, dout), on(d, index), ax)); // no gradient wanted
        }
        Pair xi = ints(new int[]{10, 11, 12, 13, 14, 15}, 0, 2, 3), idx = ints(new int[]{2, 0, 1, 1}, 1, 2, 2), oi = ints(new int[4], 0, 2, 2);
        both(d -> be(d).gather(on(d, oi), on(d, xi), on(d, idx), 1));
        assertThat(cl().readI32(oi.cl())).as("gather of I32").containsExactly(12, 10, 14, 14);
    }

    @Test
    void anIndexOutOfRangeThrowsTheReferenceMessageAndWritesNothing() {
        Pair x = rand(1, 2, 5, 3), out = rand(2, 2, 4, 3), dx = rand(3, 2, 5, 3);
        for (int bad : new int[]{5, -1}) {
            Pair index = ints(new int[]{0, 4, 1, 2, 3, bad, 0, bad}, 2, 2, 4);
            float[] before = cl().readF32(out.cl()), dxBefore = cl().readF32(dx.cl());
            Throwable want = catchThrowable(() -> REF.gather(out.ref(), x.ref(), index.ref(), 1));
            assertThat(want).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> cl().gather(out.cl(), x.cl(), index.cl(), 1)).isInstanceOf(IndexOutOfBoundsException.class)
                    .hasMessage(want.getMessage().replace(x.ref().describe(), x.cl().describe()));
            assertThatThrownBy(() -> cl().scatterAdd(dx.cl(), out.cl(), index.cl(), 1)).isInstanceOf(IndexOutOfBoundsException.class)
                    .hasMessageContaining("scatterAdd: index " + bad + " at position (a=1, k=1)");
            assertThat(cl().readF32(out.cl())).as("gather wrote nothing").containsExactly(before);
            assertThat(cl().readF32(dx.cl())).as("scatterAdd wrote nothing").containsExactly(dxBefore);
        }
    }

    private static Throwable catchThrowable(Runnable r) {
        try {
            r.run();
            return null;
        } catch (Throwable t) {
            return t;
        }
    }

    // ---- determinism ------------------------------------------------------------------------

    @Test
    void reductionsGiveIdenticalBitsOnEveryRun() {
        GpuBackend be = cl();
        Pair x = rand(1, 40000), bias = rand(2, 3, 20011);
        Pair dy = rand(3, 64, 61), a = rand(4, 64, 61), b = rand(5, 61);
        Pair dout = rand(6, 4, 50, 3);
        int[] iv = new int[4 * 50];
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < iv.length; i++) iv[i] = r.nextInt(5); // many repeats per destination
        Pair index = ints(iv, 0, 4, 50);
        float[][] first = null;
        for (int run = 0; run < 2; run++) {
            Tensor s1 = new Tensor(be, Shape.of(1), DType.F32, be.allocate(DType.F32, 1, true), 0);
            Tensor s2 = new Tensor(be, Shape.of(3, 1), DType.F32, be.allocate(DType.F32, 3, true), 0);
            Tensor db = new Tensor(be, Shape.of(61), DType.F32, be.allocate(DType.F32, 61, true), 0);
            Tensor dx = new Tensor(be, Shape.of(4, 5, 3), DType.F32, be.allocate(DType.F32, 60, true), 0);
            be.sumTo(s1, x.cl(), 1, false);
            be.sumTo(s2, bias.cl(), 1, false);
            be.binaryBackward(BinaryOp.MUL, null, db, dy.cl(), a.cl(), b.cl());
            be.scatterAdd(dx, dout.cl(), index.cl(), 1);
            float[][] got = {be.readF32(s1), be.readF32(s2), be.readF32(db), be.readF32(dx)};
            if (first == null) {
                first = got;
            } else {
                for (int i = 0; i < got.length; i++) {
                    int[] want = bits(first[i]), now = bits(got[i]);
                    assertThat(now).as("run 2 of reduction " + i).containsExactly(want);
                }
            }
        }
    }

    private static int[] bits(float[] v) {
        int[] o = new int[v.length];
        for (int i = 0; i < v.length; i++) o[i] = Float.floatToRawIntBits(v[i]);
        return o;
    }

    // ---- end to end -------------------------------------------------------------------------

    @Test
    void opsWithAutogradOnTheDeviceMatchTheReference() {
        double[][] results = new double[2][];
        for (int side = 0; side < 2; side++) {
            Backend backend = side == 0 ? GpuFixture.backend() : new ReferenceBackend();
            try (ExecutionContext ctx = new ExecutionContext(backend, 7)) {
                Ops o = ctx.ops();
                Tensor x = o.tensor(randn(1, 6 * 13, 1.0), 6, 13);
                Tensor w = o.tensor(randn(2, 13 * 7, 0.3), 13, 7).requiresGrad(true);
                Tensor bias = o.tensor(randn(3, 7, 0.1), 7).requiresGrad(true);
                Tensor loss;
                try (Tape tape = ctx.record()) {
                    Tensor h = o.add(o.matmul(x, w), bias);
                    Tensor act = o.mul(o.tanh(h), o.transpose(o.slice(o.permute(h, 1, 0), 0, 0, 7), 0, 1));
                    loss = o.mean(o.sum(act, true, 0));
                    tape.backward(loss);
                }
                double[] l = loss.toDoubleArray(), gw = w.grad().toDoubleArray(), gb = bias.grad().toDoubleArray();
                double[] all = new double[1 + gw.length + gb.length];
                all[0] = l[0];
                System.arraycopy(gw, 0, all, 1, gw.length);
                System.arraycopy(gb, 0, all, 1 + gw.length, gb.length);
                results[side] = all;
            }
        }
        float[] device = new float[results[0].length];
        for (int i = 0; i < device.length; i++) device[i] = (float) results[0][i];
        assertClose("loss, dW, db on the device vs the reference", device, results[1], 1e-5, 1e-4);
    }
}
