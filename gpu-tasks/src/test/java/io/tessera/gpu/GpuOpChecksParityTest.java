/*
 * The GPU backend (OpenCL, or CUDA with -Dtessera.test.gpu=cuda; PoCL in CI) refuses the bad
 * calls of the tensor module's OpCheckCases with the reference backend's message (the same text
 * but for the device the tensors describe themselves on), and completes the valid empty ones,
 * so the fused ops have one argument contract on every backend.
 */
package io.tessera.gpu;

import io.tessera.tensor.cpu.ReferenceBackend;
import io.tessera.tensor.spi.OpCheckCases;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

@Tag("gpu")
class GpuOpChecksParityTest {
    private final ReferenceBackend ref = new ReferenceBackend();
    private GpuBackend gpu;

    @BeforeEach
    void open() {
        gpu = GpuFixture.backend();
    }

    @AfterEach
    void close() {
        if (gpu != null) gpu.close();
    }

    @Test
    void badArgumentsFailWithTheReferenceMessage() {
        for (OpCheckCases.Case c : OpCheckCases.bad()) {
            String want = OpCheckCases.outcome(ref, c);
            assertThat(want).as("%s on the reference", c).isNotNull();
            String got = OpCheckCases.outcome(gpu, c);
            assertThat(got).as("%s on %s", c, gpu.name()).isNotNull();
            assertThat(got.replace(" on " + gpu.device(), " on " + ref.device())).as("%s on %s", c, gpu.name()).isEqualTo(want);
        }
    }

    @Test
    void emptyTensorsWithADefinedResultAreNoOps() {
        for (OpCheckCases.Case c : OpCheckCases.empty()) {
            assertThat(OpCheckCases.outcome(gpu, c)).as("%s on %s", c, gpu.name()).isNull();
        }
    }
}
