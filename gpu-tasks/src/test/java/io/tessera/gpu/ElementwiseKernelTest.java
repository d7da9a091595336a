/*
 * elementwise.kc on a real OpenCL device (PoCL in CI) against the scalar reference
 * (RefElementwise, in double): every unary op over a length that is not a multiple of the
 * work-group size, and every binary op with broadcasting and size-1 axes.
 */
package io.tessera.gpu;

import io.tessera.tensor.cpu.RefElementwise;
import io.tessera.tensor.spi.BinaryOp;
import io.tessera.tensor.spi.UnaryOp;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static io.tessera.tensor.Tolerance.assertClose;
import static io.tessera.gpu.GpuFixture.randn;

@Tag("gpu")
class ElementwiseKernelTest {

    @Test
    void everyUnaryOpMatchesTheReference() {
        OpenClDevice dev = GpuFixture.device();
        Kernel unary = dev.kernel(Kernels.UNARY_FORWARD, Defines.none());
        int n = 1000; // not a multiple of 64
        long seed = 11;
        float[] xs = randn(seed, n, 2.0);
        try (DeviceArray x = dev.floats("x", n); DeviceArray y = dev.floats("y", n)) {
            for (UnaryOp op : UnaryOp.values()) {
                float[] in = xs.clone();
                if (op == UnaryOp.LOG || op == UnaryOp.SQRT || op == UnaryOp.RSQRT) {
                    for (int i = 0; i < n; i++) in[i] = Math.abs(in[i]) + 0.05f;
                }
                x.set(in);
                try (ExecutionPlan plan = new TaskGraph("unary-" + op)
                        .transferToDevice(Transfer.EVERY_EXECUTION, x)
                        .task(unary, Grid.cover(n, 64), Arg.write(y), Arg.read(x), Arg.i32(n), Arg.i32(op.ordinal()))
                        .transferToHost(Transfer.EVERY_EXECUTION, y)
                        .freeze()) {
                    plan.execute();
                }
                double[] want = new double[n];
                for (int i = 0; i < n; i++) want[i] = RefElementwise.apply(op, in[i]);
                assertClose("unary " + op + " n=" + n + " seed=" + seed, y.toFloatArray(), want, 1e-6, 1e-5);
            }
        }
    }

    @Test
    void everyBinaryOpBroadcastsLikeTheReference() {
        OpenClDevice dev = GpuFixture.device();
        Kernel binary = dev.kernel(Kernels.BINARY_FORWARD, Defines.none());
        int[][][] cases = {
                {{3, 4, 5}, {3, 4, 5}, {3, 4, 5}},
                {{3, 4, 5}, {3, 1, 5}, {4, 1}},
                {{2, 1, 7}, {1}, {2, 1, 7}},
                {{1}, {1}, {1}},
                {{2, 3, 1, 33}, {2, 1, 1, 33}, {3, 1, 1}},
        };
        long seed = 5;
        for (int[][] c : cases) {
            int[] out = c[0], as = c[1], bs = c[2];
            int n = size(out), na = size(as), nb = size(bs);
            float[] av = randn(seed, na, 1.0), bv = randn(seed + 1, nb, 1.0);
            for (int i = 0; i < nb; i++) bv[i] = bv[i] >= 0 ? bv[i] + 0.1f : bv[i] - 0.1f; // no division by ~0
            int[] d = Kernels.pad4(out), sa = Kernels.broadcastStrides(out, as), sb = Kernels.broadcastStrides(out, bs);
            try (DeviceArray a = dev.floats("a", av); DeviceArray b = dev.floats("b", bv); DeviceArray y = dev.floats("y", n)) {
                for (BinaryOp op : BinaryOp.values()) {
                    try (ExecutionPlan plan = new TaskGraph("binary-" + op)
                            .transferToDevice(Transfer.FIRST_EXECUTION, a, b)
                            .task(binary, Grid.cover(n, 64), Arg.write(y), Arg.read(a), Arg.read(b), Arg.i32(n),
                                    Arg.i32(d[0]), Arg.i32(d[1]), Arg.i32(d[2]), Arg.i32(d[3]),
                                    Arg.i32(sa[0]), Arg.i32(sa[1]), Arg.i32(sa[2]), Arg.i32(sa[3]),
                                    Arg.i32(sb[0]), Arg.i32(sb[1]), Arg.i32(sb[2]), Arg.i32(sb[3]), Arg.i32(op.ordinal()))
                            .transferToHost(Transfer.EVERY_EXECUTION, y)
                            .freeze()) {
                        plan.execute();
                    }
                    double[] want = new double[n];
                    for (int i = 0; i < n; i++) {
                        want[i] = RefElementwise.apply(op, av[index(i, d, sa)], bv[index(i, d, sb)]);
                    }
                    assertClose("binary " + op + " out " + Arrays.toString(out) + " a " + Arrays.toString(as) + " b " + Arrays.toString(bs)
                            + " seed=" + seed, y.toFloatArray(), want, 1e-6, 1e-6);
                }
            }
        }
    }

    /** The input element for output element i, decomposed over 4 padded dims. */
    private static int index(int i, int[] d, int[] s) {
        int i3 = i % d[3], t = i / d[3], i2 = t % d[2];
        t /= d[2];
        int i1 = t % d[1], i0 = t / d[1];
        return i0 * s[0] + i1 * s[1] + i2 * s[2] + i3 * s[3];
    }

    private static int size(int[] shape) {
        int n = 1;
        for (int v : shape) n *= v;
        return n;
    }
}
