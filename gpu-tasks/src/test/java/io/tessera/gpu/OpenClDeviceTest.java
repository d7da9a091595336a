/*
 * The OpenCL runtime on a real device (PoCL in CI): device information, a kernel that fails to
 * build (log, file, dialect), a native failure named by status, and the program cache in
 * memory and on disk (a second device over the same directory loads the binary, not the source;
 * a damaged or driver-rejected entry is rebuilt from source and replaced).
 */
package io.tessera.gpu;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Tag("gpu")
class OpenClDeviceTest {
    /** A tiny kernel, cheap to build: out[i] = x[i] · s + i. */
    private static final KernelSource SCALE = new KernelSource("scale.kc",
            "KERNEL void scale(GLOBAL float* out, int out_off, GLOBAL const float* x, int x_off, int n, float s) {\n"
                    + "    out += out_off;\n"
                    + "    x += x_off;\n"
                    + "    int i = GLOBAL_ID(0);\n"
                    + "    if (i < n) out[i] = x[i] * s + (float) i;\n"
                    + "}\n");

    @Test
    void reportsWhatTheDeviceIs() {
        OpenClDevice dev = GpuFixture.device();
        OpenClDevice.Info info = dev.info();
        assertThat(info.name()).isNotBlank();
        assertThat(info.platform()).isNotBlank();
        assertThat(info.globalMemoryBytes()).isPositive();
        assertThat(info.computeUnits()).isPositive();
        assertThat(info.maxWorkGroupSize()).isGreaterThanOrEqualTo(64);
        assertThat(dev.tensorDevice().kind()).isEqualTo(io.tessera.tensor.Device.Kind.OPENCL);
        assertThat(Devices.list(Devices.Options.defaults())).anySatisfy(e -> {
            assertThat(e.runtime()).isEqualTo("opencl");
            assertThat(e.device()).isEqualTo(info.name());
            assertThat(e.unavailable()).isEmpty();
        });
    }

    @Test
    void aBuildFailureCarriesTheLogTheFileAndTheDialect() {
        OpenClDevice dev = GpuFixture.device();
        KernelSource broken = new KernelSource("broken.kc",
                "KERNEL void broken(GLOBAL float* out) {\n    out[0] = undefined_name;\n}\n");
        assertThatThrownBy(() -> dev.kernel(broken, "broken", Defines.of("WG", 8)))
                .isInstanceOfSatisfying(KernelBuildException.class, e -> {
                    assertThat(e.file()).isEqualTo("broken.kc");
                    assertThat(e.dialect()).isEqualTo(Dialect.OPENCL);
                    assertThat(e.options()).contains("-DWG=8");
                    assertThat(e.buildLog()).contains("undefined_name");
                    assertThat(e.buildLog()).contains("broken.kc:2"); // the #line directive maps errors into the file
                    assertThat(e.getMessage()).contains("broken.kc", "OpenCL C", "CL_BUILD_PROGRAM_FAILURE", "undefined_name");
                });
    }

    @Test
    void aBadVariantOfACatalogKernelFailsWithItsOwnMessage() {
        OpenClDevice dev = GpuFixture.device();
        assertThatThrownBy(() -> dev.kernel(Kernels.SOFTMAX_FORWARD, Defines.of("WG", 48)))
                .isInstanceOfSatisfying(KernelBuildException.class, e -> {
                    assertThat(e.file()).isEqualTo("softmax.kc");
                    assertThat(e.buildLog()).contains("WG must be a power of two");
                });
    }

    @Test
    void nativeFailuresNameTheStatus() {
        OpenClDevice dev = GpuFixture.device();
        assertThatThrownBy(() -> dev.kernel(SCALE, "no_such_kernel", Defines.none()))
                .isInstanceOfSatisfying(NativeException.class, e -> {
                    assertThat(e.statusName()).isEqualTo("CL_INVALID_KERNEL_NAME");
                    assertThat(e.call()).isEqualTo("clCreateKernel");
                    assertThat(e.getMessage()).contains("no_such_kernel");
                });
        Kernel scale = dev.kernel(SCALE, "scale", Defines.none());
        try (DeviceArray x = dev.floats("x", 10); DeviceArray y = dev.floats("y", 10);
             ExecutionPlan plan = new TaskGraph("bad-group")
                     .transferToDevice(Transfer.EVERY_EXECUTION, x)
                     .task(scale, Grid.cover(10, 1 << 20), Arg.write(y), Arg.read(x), Arg.i32(10), Arg.f32(2))
                     .freeze()) {
            assertThatThrownBy(plan::execute).isInstanceOfSatisfying(NativeException.class, e -> {
                assertThat(e.statusName()).startsWith("CL_INVALID_WORK");
                assertThat(e.getMessage()).contains("clEnqueueNDRangeKernel", "task 0:scale", "bad-group");
            });
        }
    }

    @Test
    void programsAreCachedInMemoryAndOnDisk(@TempDir Path dir) throws Exception {
        OpenClDevice.Options options = OpenClDevice.Options.defaults().withCache(ProgramCache.onDisk(dir));
        try (OpenClDevice first = OpenClDevice.open(options)) {
            first.kernel(SCALE, "scale", Defines.none());
            first.kernel(SCALE, "scale", Defines.none());
            assertThat(first.cacheStats()).isEqualTo(new OpenClDevice.CacheStats(1, 0, 1));
            try (var files = Files.list(dir)) {
                assertThat(files.filter(p -> p.toString().endsWith(".bin")).count()).isEqualTo(1);
            }
        } catch (GpuUnavailableException e) {
            OpenClRequirement.missing(e.getMessage());
        }
        try (OpenClDevice second = OpenClDevice.open(options)) {
            Kernel k = second.kernel(SCALE, "scale", Defines.none());
            assertThat(second.cacheStats()).isEqualTo(new OpenClDevice.CacheStats(0, 1, 0));
            // the program loaded from the binary runs
            try (DeviceArray x = second.floats("x", new float[]{1, 2, 3}); DeviceArray y = second.floats("y", 3);
                 ExecutionPlan plan = new TaskGraph("scale").transferToDevice(Transfer.EVERY_EXECUTION, x)
                         .task(k, Grid.cover(3, 4), Arg.write(y), Arg.read(x), Arg.i32(3), Arg.f32(2))
                         .transferToHost(Transfer.EVERY_EXECUTION, y).freeze()) {
                plan.execute();
                assertThat(y.toFloatArray()).containsExactly(2, 5, 8);
            }
            // another define is another program
            second.kernel(SCALE, "scale", Defines.of("UNUSED", 1));
            assertThat(second.cacheStats().sourceBuilds()).isEqualTo(1);
        }
    }

    @Test
    void aDamagedOrRejectedCachedBinaryIsRebuiltFromSource(@TempDir Path dir) throws Exception {
        GpuFixture.device(); // skips without a platform
        OpenClDevice.Options options = OpenClDevice.Options.defaults().withCache(ProgramCache.onDisk(dir));
        try (OpenClDevice first = OpenClDevice.open(options)) {
            first.kernel(SCALE, "scale", Defines.none());
        }
        Path stored;
        try (var files = Files.list(dir)) {
            stored = files.filter(p -> p.toString().endsWith(".bin")).findFirst().orElseThrow();
        }
        String key = stored.getFileName().toString().replace(".bin", "");
        // a truncated file (a crash of a writer that did not write atomically) fails its checksum
        byte[] bytes = Files.readAllBytes(stored);
        Files.write(stored, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        assertRebuiltAndRuns(options, stored);
        // an intact envelope around bytes the driver refuses
        ProgramCache.onDisk(dir).store(key, "not a program binary".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        assertRebuiltAndRuns(options, stored);
    }

    private static void assertRebuiltAndRuns(OpenClDevice.Options options, Path stored) throws Exception {
        byte[] damaged = Files.readAllBytes(stored);
        try (OpenClDevice dev = OpenClDevice.open(options)) {
            Kernel k = dev.kernel(SCALE, "scale", Defines.none());
            assertThat(dev.cacheStats()).isEqualTo(new OpenClDevice.CacheStats(0, 0, 1));
            try (DeviceArray x = dev.floats("x", new float[]{1, 2, 3}); DeviceArray y = dev.floats("y", 3);
                 ExecutionPlan plan = new TaskGraph("scale").transferToDevice(Transfer.EVERY_EXECUTION, x)
                         .task(k, Grid.cover(3, 4), Arg.write(y), Arg.read(x), Arg.i32(3), Arg.f32(2))
                         .transferToHost(Transfer.EVERY_EXECUTION, y).freeze()) {
                plan.execute();
                assertThat(y.toFloatArray()).containsExactly(2, 5, 8);
            }
        }
        // the rebuilt binary replaced the bad entry, and the next device loads it from disk
        assertThat(Files.readAllBytes(stored)).isNotEqualTo(damaged);
        try (OpenClDevice dev = OpenClDevice.open(options)) {
            dev.kernel(SCALE, "scale", Defines.none());
            assertThat(dev.cacheStats()).isEqualTo(new OpenClDevice.CacheStats(0, 1, 0));
        }
    }

    @Test
    void closingTheDeviceClosesItsArraysAndPlans(@TempDir Path dir) {
        GpuFixture.device(); // skips without a platform
        OpenClDevice dev = OpenClDevice.open(OpenClDevice.Options.defaults().withCache(ProgramCache.onDisk(dir)));
        Kernel k = dev.kernel(SCALE, "scale", Defines.none());
        DeviceArray x = dev.floats("x", 4);
        DeviceArray y = dev.floats("y", 4);
        ExecutionPlan plan = new TaskGraph("g").transferToDevice(Transfer.EVERY_EXECUTION, x)
                .task(k, Grid.cover(4, 4), Arg.write(y), Arg.read(x), Arg.i32(4), Arg.f32(1)).freeze();
        dev.close();
        assertThat(x.isOpen()).isFalse();
        assertThat(y.isOpen()).isFalse();
        assertThatThrownBy(plan::execute).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> dev.floats("z", 4)).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }
}
