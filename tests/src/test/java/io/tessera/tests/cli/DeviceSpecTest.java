package io.tessera.tests.cli;

import io.tessera.cli.DeviceSpec;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code --device}, {@code --matmul} and {@code --attention}: every accepted spelling, the refused ones with the
 * accepted list in the message, and engines that belong to another runtime refused before any
 * device is opened (so these hold on a machine without a GPU).
 */
class DeviceSpecTest {

    @Test
    void parsesEveryRuntime() {
        assertThat(DeviceSpec.parse("cpu")).isEqualTo(DeviceSpec.cpu());
        assertThat(DeviceSpec.parse("OpenCL")).isEqualTo(new DeviceSpec(DeviceSpec.Kind.OPENCL, 0, 0));
        assertThat(DeviceSpec.parse("opencl:1:2")).isEqualTo(new DeviceSpec(DeviceSpec.Kind.OPENCL, 1, 2));
        assertThat(DeviceSpec.parse("cuda")).isEqualTo(new DeviceSpec(DeviceSpec.Kind.CUDA, 0, 0));
        assertThat(DeviceSpec.parse("cuda:3")).isEqualTo(new DeviceSpec(DeviceSpec.Kind.CUDA, 0, 3));
        assertThat(DeviceSpec.parse("cuda:3")).hasToString("cuda:3");
        assertThat(DeviceSpec.parse("opencl:1")).hasToString("opencl:1:0");
    }

    @Test
    void refusesWhatItDoesNotKnow() {
        for (String bad : new String[]{"gpu", "cuda:-1", "cuda:0:1", "cuda:x", "opencl:1:2:3", "cpu:0", ""}) {
            assertThatThrownBy(() -> DeviceSpec.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("expected cpu, opencl").hasMessageContaining("cuda:DEVICE");
        }
    }

    @Test
    void anEngineOfAnotherRuntimeIsRefusedBeforeOpeningAnything() {
        assertThatThrownBy(() -> DeviceSpec.cpu().open(1, 0, DeviceSpec.Matmul.CUBLAS))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("applies to a GPU device");
        assertThatThrownBy(() -> DeviceSpec.parse("cuda").open(1, 0, DeviceSpec.Matmul.CLBLAST))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("CUDA takes tiled, cublas or cublas_tf32");
        assertThatThrownBy(() -> DeviceSpec.parse("opencl").open(1, 0, DeviceSpec.Matmul.CUBLAS_TF32))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("OpenCL takes tiled or clblast");
        assertThatThrownBy(() -> DeviceSpec.cpu().open(1, 0, DeviceSpec.Matmul.TILED, DeviceSpec.Attention.FUSED))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--attention fused applies to a GPU device");
    }
}
