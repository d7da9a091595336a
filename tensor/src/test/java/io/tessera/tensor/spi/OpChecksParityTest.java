package io.tessera.tensor.spi;

import io.tessera.tensor.Tensor;
import io.tessera.tensor.cpu.CpuBackend;
import io.tessera.tensor.cpu.ReferenceBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The argument contract of the fused ops is one contract: every bad call of {@link OpCheckCases}
 * fails on the scalar reference and on the Vector API backends (two thread counts, 128- and
 * 256-bit species) with the same one-line message naming the op, and every valid empty call
 * completes on all of them. The GPU backends run the same cases in gpu-tasks.
 */
class OpChecksParityTest {
    private static ReferenceBackend ref;
    private static List<CpuBackend> simd;

    @BeforeAll
    static void backends() {
        ref = new ReferenceBackend();
        simd = List.of(new CpuBackend(1), new CpuBackend(2, 128), new CpuBackend(2, 256));
    }

    @AfterAll
    static void close() {
        simd.forEach(CpuBackend::close);
    }

    @Test
    void badArgumentsFailWithTheSameMessageOnEveryCpuBackend() {
        List<OpCheckCases.Case> cases = OpCheckCases.bad();
        assertThat(cases).hasSizeGreaterThan(80);
        for (OpCheckCases.Case c : cases) {
            String want = OpCheckCases.outcome(ref, c);
            assertThat(want).as("%s on the reference", c).isNotNull().doesNotContain("\n");
            String op = c.name().substring(0, c.name().indexOf(' '));
            assertThat(want).as("%s names its op", c).startsWith(op);
            for (CpuBackend be : simd) assertThat(OpCheckCases.outcome(be, c)).as("%s on %s", c, be.name()).isEqualTo(want);
        }
    }

    @Test
    void emptyTensorsWithADefinedResultAreNoOps() {
        for (OpCheckCases.Case c : OpCheckCases.empty()) {
            assertThat(OpCheckCases.outcome(ref, c)).as("%s on the reference", c).isNull();
            for (CpuBackend be : simd) assertThat(OpCheckCases.outcome(be, c)).as("%s on %s", c, be.name()).isNull();
        }
    }

    @Test
    void labelsOutOfRangeNameTheFirstBadRow() {
        assertThat(OpCheckCases.outcome(ref, byName("crossEntropy label −1")))
                .isEqualTo("crossEntropy: label -1 at row 0 is outside [0, 4)");
        assertThat(OpCheckCases.outcome(ref, byName("crossEntropyBackward label V")))
                .isEqualTo("crossEntropyBackward: label 4 at row 2 is outside [0, 4)");
        assertThat(OpCheckCases.outcome(ref, byName("crossEntropy F32 labels"))).startsWith("crossEntropy: labels must be I32");
    }

    @Test
    void crossEntropyWithoutProbsGivesTheSameLosses() {
        for (Backend be : List.of(ref, simd.get(0), simd.get(2))) {
            OpCheckCases.Args a = new OpCheckCases.Args(be);
            Tensor logits = a.f(5, 7), labels = a.labels(0, 6, 3, 3, 1);
            Tensor with = a.filled(0, 5), without = a.filled(0, 5), probs = a.filled(0, 5, 7);
            be.crossEntropy(with, probs, logits, labels, 0.1);
            be.crossEntropy(without, null, logits, labels, 0.1);
            assertThat(without.toFloatArray()).as(be.name()).containsExactly(with.toFloatArray());
            assertThat(with.toFloatArray()).as(be.name()).doesNotContain(0f);
        }
    }

    private static OpCheckCases.Case byName(String name) {
        return OpCheckCases.bad().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
    }
}
