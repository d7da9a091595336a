package io.tessera.tensor;

import io.tessera.tensor.cpu.CpuBackend;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The same seed gives bitwise-identical results on the CPU backend with 1, 2 and 3 threads: a
 * forward and backward pass through elementwise, broadcast, layout and reduction ops on
 * tensors large enough to be split over threads.
 */
class DeterminismTest {

    /** Loss, then the gradients of x, w and b, as raw float bits. */
    private static int[][] run(int threads, long seed) {
        try (ExecutionContext ctx = new ExecutionContext(new CpuBackend(threads), seed)) {
            Ops o = ctx.ops();
            Tensor x = o.randn(ctx.rng("x"), Shape.of(64, 12, 96), DType.F32).requiresGrad(true);
            Tensor w = o.randn(ctx.rng("w"), Shape.of(96), DType.F32).requiresGrad(true);
            Tensor b = o.randn(ctx.rng("b"), Shape.of(96), DType.F32).requiresGrad(true);
            float loss;
            try (Scope s = ctx.openScope(); Tape tape = ctx.record()) {
                Tensor h = o.gelu(o.add(o.mul(x, w), b));
                Tensor t = o.permute(h, 1, 0, 2);
                Tensor v = o.var(t, false, 1, 1);
                Tensor e = o.sum(o.mul(o.slice(o.exp(o.tanh(h)), 2, 0, 80), o.slice(h, 2, 10, 80)), true, -1);
                Tensor total = o.add(o.mean(v), o.mean(o.log(o.addScalar(o.square(e), 1))));
                tape.backward(total);
                loss = total.toFloatArray()[0];
            }
            return new int[][]{{Float.floatToRawIntBits(loss)}, bits(x.grad()), bits(w.grad()), bits(b.grad())};
        }
    }

    private static int[] bits(Tensor t) {
        float[] f = t.toFloatArray();
        int[] r = new int[f.length];
        for (int i = 0; i < f.length; i++) r[i] = Float.floatToRawIntBits(f[i]);
        return r;
    }

    @Test
    void oneTwoAndThreeThreadsGiveTheSameBits() {
        int[][] one = run(1, 17);
        for (int threads : new int[]{2, 3}) {
            int[][] many = run(threads, 17);
            String[] names = {"loss", "dx", "dw", "db"};
            for (int i = 0; i < one.length; i++) {
                assertThat(many[i]).as("%s with %d threads", names[i], threads).containsExactly(one[i]);
            }
        }
        int[][] again = run(2, 17), other = run(2, 18);
        assertThat(again[0]).containsExactly(one[0]);
        assertThat(other[0]).as("another seed, another loss").isNotEqualTo(one[0]);
    }
}
