package io.tessera.tensor;

import io.tessera.tensor.cpu.ReferenceBackend;
import io.tessera.tensor.spi.Backend;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Ops.attentionPacked, attention on a packed qkv projection: on a backend that fuses attention
 * (the float64 reference with the fused entry points, so the Backend defaults run), forward and
 * backward, in float32 and under bf16 and fp16 autocast, the bits of the composition it stands for
 * (heads split by reshape, permute and slices, attentionOutput, heads merged); on a higher-order
 * tape it is that composition, so second derivatives flow through it.
 */
class AttentionPackedTest {

    private static Backend fusing() {
        return new ReferenceBackend() {
            @Override
            public boolean fusedAttention() {
                return true;
            }
        };
    }

    /** The output and the gradient of Σ out ⊙ r with respect to qkv, packed or composed. */
    private static List<float[]> run(boolean packed, String precision) {
        int b = 2, t = 7, heads = 3, dh = 4, d = heads * dh;
        float[] qkvv = AutocastTest.randn(1, b * t * 3 * d, 1), rv = AutocastTest.randn(2, b * t * d, 1);
        try (ExecutionContext ctx = new ExecutionContext(fusing(), 0)) {
            Ops ops = ctx.ops();
            Tensor qkv = ops.tensor(qkvv, b, t, 3 * d).requiresGrad(true);
            Tensor out;
            try (Tape tape = ctx.record()) {
                try (ExecutionContext.Autocast ac = precision.equals("fp32") ? null : ctx.autocast(precision.equals("bf16") ? DType.BF16 : DType.F16)) {
                    double scale = 1 / Math.sqrt(dh);
                    if (packed) {
                        out = ops.attentionPacked(qkv, heads, scale, false).out();
                    } else {
                        Tensor y = ops.permute(ops.reshape(qkv, b, t, 3, heads, dh), 2, 0, 3, 1, 4);
                        Tensor q = ops.reshape(ops.slice(y, 0, 0, 1), b, heads, t, dh), k = ops.reshape(ops.slice(y, 0, 1, 1), b, heads, t, dh),
                                v = ops.reshape(ops.slice(y, 0, 2, 1), b, heads, t, dh);
                        out = ops.reshape(ops.permute(ops.attentionOutput(q, k, v, scale), 0, 2, 1, 3), b, t, d);
                    }
                }
                tape.backward(ops.sum(ops.mul(out, ops.tensor(rv, b, t, d))));
            }
            return List.of(out.toFloatArray(), qkv.grad().toFloatArray());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"fp32", "bf16", "fp16"})
    void packedHeadsGiveTheBitsOfTheComposition(String precision) {
        List<float[]> packed = run(true, precision), composed = run(false, precision);
        assertThat(packed.get(0)).as("out").containsExactly(composed.get(0));
        assertThat(packed.get(1)).as("dqkv").containsExactly(composed.get(1));
        float[] o = packed.get(0);
        int distinct = (int) java.util.stream.IntStream.range(0, o.length).mapToDouble(i -> o[i]).distinct().count();
        assertThat(distinct).as("a non-trivial output").isGreaterThan(o.length / 2);
    }

    /** A Hessian-vector product through attentionPacked: a higher-order tape takes the composition. */
    @Test
    void secondDerivativesFlowThroughTheComposition() {
        int b = 1, t = 5, heads = 2, dh = 3, d = heads * dh;
        float[] qkvv = AutocastTest.randn(3, b * t * 3 * d, 1), rv = AutocastTest.randn(4, b * t * d, 1);
        try (ExecutionContext ctx = new ExecutionContext(fusing(), 0)) {
            Ops ops = ctx.ops();
            Tensor qkv = ops.tensor(qkvv, b, t, 3 * d).requiresGrad(true);
            try (Tape tape = ctx.recordHigherOrder()) {
                Tensor loss = ops.sum(ops.square(ops.mul(ops.attentionPacked(qkv, heads, 1 / Math.sqrt(dh), false).out(), ops.tensor(rv, b, t, d))));
                Tensor g = tape.gradGraph(loss, List.of(qkv)).getFirst();
                Tensor gv = ops.sum(ops.mul(g, ops.tensor(AutocastTest.randn(5, qkvv.length, 1), b, t, 3 * d)));
                tape.backward(List.of(gv), List.of(ops.full(gv.shape(), gv.dtype(), 1.0)), false);
            }
            float[] hv = qkv.grad().toFloatArray();
            double norm = 0;
            for (float x : hv) {
                assertThat(Float.isFinite(x)).isTrue();
                norm += x * x;
            }
            assertThat(norm).as("a non-zero Hessian-vector product").isGreaterThan(0);
        }
    }
}
