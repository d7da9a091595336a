/*
 * Runtime discovery without relying on a GPU: status names, an explicit library path that does
 * not exist, and the device listing's rows for runtimes that are absent.
 */
package io.tessera.gpu;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RuntimeDiscoveryTest {
    private static final Path NOWHERE = Path.of("/nonexistent/libOpenCL.so.1");

    @Test
    void statusCodesHaveTheirClNames() {
        assertThat(ClStatus.name(-5)).isEqualTo("CL_OUT_OF_RESOURCES");
        assertThat(ClStatus.name(-11)).isEqualTo("CL_BUILD_PROGRAM_FAILURE");
        assertThat(ClStatus.name(-54)).isEqualTo("CL_INVALID_WORK_GROUP_SIZE");
        assertThat(ClStatus.name(-1001)).isEqualTo("CL_PLATFORM_NOT_FOUND_KHR");
        assertThat(ClStatus.name(-9999)).isEqualTo("CL_UNKNOWN_STATUS");
        assertThatThrownBy(() -> OpenCl.check(-5, "clEnqueueNDRangeKernel", "kernel sgemm"))
                .isInstanceOfSatisfying(NativeException.class, e -> {
                    assertThat(e.statusName()).isEqualTo("CL_OUT_OF_RESOURCES");
                    assertThat(e.status()).isEqualTo(-5);
                    assertThat(e.getMessage()).isEqualTo("clEnqueueNDRangeKernel failed with CL_OUT_OF_RESOURCES (-5): kernel sgemm");
                });
    }

    @Test
    void explicitLibraryThatDoesNotExistIsATypedError() {
        assertThatThrownBy(() -> OpenCl.load(Optional.of(NOWHERE)))
                .isInstanceOfSatisfying(GpuUnavailableException.class, e -> {
                    assertThat(e.runtime()).isEqualTo("opencl");
                    assertThat(e.reason()).contains(NOWHERE.toString(), "does not exist");
                });
        assertThatThrownBy(() -> OpenClDevice.open(OpenClDevice.Options.defaults().withLibrary(NOWHERE)))
                .isInstanceOf(GpuUnavailableException.class);
    }

    @Test
    void listingReportsAbsentRuntimesAsRowsWithTheReason() {
        List<Devices.Entry> cl = Devices.opencl(Optional.of(NOWHERE));
        assertThat(cl).hasSize(1);
        assertThat(cl.getFirst().unavailable()).hasValueSatisfying(r -> assertThat(r).contains("does not exist"));
        assertThat(cl.getFirst().line()).startsWith("opencl").contains("unavailable");

        List<Devices.Entry> cuda = Devices.cuda(Optional.of(Path.of("/nonexistent/libcuda.so.1")));
        assertThat(cuda).hasSize(1);
        assertThat(cuda.getFirst().unavailable()).hasValueSatisfying(r -> assertThat(r).startsWith("CUDA not present"));

        List<Devices.Entry> all = Devices.list(new Devices.Options(Optional.of(NOWHERE), Optional.of(Path.of("/nonexistent/libcuda.so.1"))));
        assertThat(all.getFirst().runtime()).isEqualTo("cpu");
        assertThat(all.getFirst().computeUnits()).isPositive();
        assertThat(all).extracting(Devices.Entry::runtime).containsExactly("cpu", "opencl", "cuda");
    }
}
