/*
 * Task graphs on a real device (PoCL in CI; CUDA with -Dtessera.test.gpu=cuda): the transfer
 * modes (first execution, every execution, on demand), data kept on the device from one graph to
 * the next, host-backed arrays (OpenCL), the checks made when a graph is frozen, and the profile
 * as JSON.
 */
package io.tessera.gpu;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Tag("gpu")
class TaskGraphTest {
    private static final KernelSource AXPB = new KernelSource("axpb.kc",
            "/* y = x * a + b */\n"
                    + "KERNEL void axpb(GLOBAL float* y, int y_off, GLOBAL const float* x, int x_off, GLOBAL const float* b, int b_off, int n, float a) {\n"
                    + "    y += y_off;\n"
                    + "    x += x_off;\n"
                    + "    b += b_off;\n"
                    + "    int i = GLOBAL_ID(0);\n"
                    + "    if (i < n) y[i] = x[i] * a + b[i];\n"
                    + "}\n");

    private static Kernel axpb(ComputeDevice dev) {
        return dev.kernel(AXPB, "axpb", Defines.none());
    }

    @Test
    void firstExecutionCopiesOnceEveryExecutionCopiesEachTime() {
        ComputeDevice dev = GpuFixture.computeDevice();
        int n = 5;
        try (DeviceArray x = dev.floats("x", new float[]{1, 2, 3, 4, 5}); DeviceArray b = dev.floats("b", new float[]{10, 10, 10, 10, 10});
             DeviceArray y = dev.floats("y", n);
             ExecutionPlan plan = new TaskGraph("modes")
                     .transferToDevice(Transfer.FIRST_EXECUTION, b)
                     .transferToDevice(Transfer.EVERY_EXECUTION, x)
                     .task(axpb(dev), Grid.cover(n, 8), Arg.write(y), Arg.read(x), Arg.read(b), Arg.i32(n), Arg.f32(2))
                     .transferToHost(Transfer.EVERY_EXECUTION, y)
                     .freeze()) {
            plan.execute();
            assertThat(y.toFloatArray()).containsExactly(12, 14, 16, 18, 20);
            x.set(new float[]{0, 0, 0, 0, 1});
            b.set(new float[]{-1, -1, -1, -1, -1}); // not copied again
            plan.execute();
            assertThat(y.toFloatArray()).containsExactly(10, 10, 10, 10, 12);
            assertThat(plan.executions()).isEqualTo(2);
            assertThat(plan.profile().copies()).extracting(Profile.CopyTime::array).containsExactly("x", "y");
        }
    }

    @Test
    void onDemandCopiesHappenOnlyWhenAsked() {
        ComputeDevice dev = GpuFixture.computeDevice();
        int n = 3;
        try (DeviceArray x = dev.floats("x", new float[]{1, 2, 3}); DeviceArray b = dev.floats("b", new float[]{0, 0, 0});
             DeviceArray y = dev.floats("y", n);
             ExecutionPlan plan = new TaskGraph("on-demand")
                     .transferToDevice(Transfer.ON_DEMAND, x, b)
                     .task(axpb(dev), Grid.cover(n, 4), Arg.write(y), Arg.read(x), Arg.read(b), Arg.i32(n), Arg.f32(3))
                     .transferToHost(Transfer.ON_DEMAND, y)
                     .freeze()) {
            plan.transferToDevice(x).transferToDevice(b);
            plan.execute();
            assertThat(y.toFloatArray()).containsExactly(0, 0, 0); // not read back yet
            plan.transferToHost(y);
            assertThat(y.toFloatArray()).containsExactly(3, 6, 9);
            assertThat(plan.profile().copies()).singleElement().satisfies(c -> {
                assertThat(c.array()).isEqualTo("y");
                assertThat(c.onDemand()).isTrue();
                assertThat(c.direction()).isEqualTo("to_host");
            });
            assertThatThrownBy(() -> plan.transferToHost(x)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("not declared for ON_DEMAND copies to host");
        }
    }

    @Test
    void dataStaysOnTheDeviceFromOneGraphToTheNext() {
        OpenClDevice dev = GpuFixture.device();
        Kernel k = axpb(dev);
        int n = 4;
        try (DeviceArray x = dev.hostBackedFloats("x", n); DeviceArray zero = dev.floats("zero", new float[n]);
             DeviceArray hidden = dev.floats("hidden", n); DeviceArray out = dev.floats("out", n)) {
            x.set(new float[]{1, 2, 3, 4});
            try (ExecutionPlan produce = new TaskGraph("produce")
                    .transferToDevice(Transfer.EVERY_EXECUTION, x, zero)
                    .task(k, Grid.cover(n, 4), Arg.write(hidden), Arg.read(x), Arg.read(zero), Arg.i32(n), Arg.f32(2))
                    .freeze();
                 ExecutionPlan consume = new TaskGraph("consume")
                         .onDevice(hidden, zero)
                         .task(k, Grid.cover(n, 4), Arg.write(out), Arg.read(hidden), Arg.read(zero), Arg.i32(n), Arg.f32(10))
                         .transferToHost(Transfer.EVERY_EXECUTION, out)
                         .freeze()) {
                produce.execute();
                consume.execute();
                assertThat(out.toFloatArray()).containsExactly(20, 40, 60, 80);
                assertThat(hidden.toFloatArray()).as("never copied to the host").containsExactly(0, 0, 0, 0);
            }
        }
    }

    @Test
    void freezingChecksTheDeclarations() {
        ComputeDevice dev = GpuFixture.computeDevice();
        Kernel k = axpb(dev);
        try (DeviceArray x = dev.floats("x", 4); DeviceArray b = dev.floats("b", 4); DeviceArray y = dev.floats("y", 4)) {
            assertThatThrownBy(() -> new TaskGraph("missing-input")
                    .transferToDevice(Transfer.EVERY_EXECUTION, x)
                    .task(k, Grid.cover(4, 4), Arg.write(y), Arg.read(x), Arg.read(b), Arg.i32(4), Arg.f32(1))
                    .freeze())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("task 0:axpb reads array b (F32[4]) (argument 2) but nothing puts it on the device");
            assertThatThrownBy(() -> new TaskGraph("arity")
                    .transferToDevice(Transfer.EVERY_EXECUTION, x, b)
                    .task(k, Grid.cover(4, 4), Arg.write(y), Arg.read(x), Arg.read(b), Arg.i32(4))
                    .freeze())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("gives 7 kernel arguments (an array is two: buffer and element offset), kernel axpb (axpb.kc) takes 8");
            assertThatThrownBy(() -> new TaskGraph("nothing-written")
                    .transferToDevice(Transfer.EVERY_EXECUTION, x, b)
                    .task(k, Grid.cover(4, 4), Arg.write(y), Arg.read(x), Arg.read(b), Arg.i32(4), Arg.f32(1))
                    .transferToHost(Transfer.EVERY_EXECUTION, b.device().floats("other", 4))
                    .freeze())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("copied to the host but no task writes it");
            assertThatThrownBy(() -> new TaskGraph("twice").transferToDevice(Transfer.EVERY_EXECUTION, x).onDevice(x))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> new TaskGraph("empty").freeze()).hasMessageContaining("has no tasks");
        }
    }

    @Test
    void theProfileNamesTasksCopiesAndTheDeviceAsJson() {
        ComputeDevice dev = GpuFixture.computeDevice();
        Kernel k = axpb(dev);
        int n = 256;
        try (DeviceArray x = dev.floats("x", new float[n]); DeviceArray b = dev.floats("b", new float[n]);
             DeviceArray y = dev.floats("y", n); DeviceArray z = dev.floats("z", n);
             ExecutionPlan plan = new TaskGraph("two \"tasks\"")
                     .transferToDevice(Transfer.EVERY_EXECUTION, x, b)
                     .task(k, Grid.cover(n, 64), Arg.write(y), Arg.read(x), Arg.read(b), Arg.i32(n), Arg.f32(1))
                     .task(k, Grid.cover(n, 64), Arg.write(z), Arg.read(y), Arg.read(b), Arg.i32(n), Arg.f32(1))
                     .transferToHost(Transfer.EVERY_EXECUTION, z)
                     .freeze()) {
            assertThatThrownBy(plan::profile).isInstanceOf(IllegalStateException.class);
            Profile p = plan.execute().profile();
            assertThat(p.device()).isEqualTo(dev.deviceName());
            assertThat(p.execution()).isEqualTo(1);
            assertThat(p.wallNanos()).isPositive();
            assertThat(p.tasks()).extracting(Profile.TaskTime::task).containsExactly("0:axpb", "1:axpb");
            assertThat(p.tasks()).allSatisfy(t -> assertThat(t.kernelNanos()).isNotNegative());
            assertThat(p.copies()).extracting(Profile.CopyTime::direction).containsExactly("to_device", "to_device", "to_host");
            assertThat(p.copies()).allSatisfy(c -> assertThat(c.bytes()).isEqualTo(n * 4L));
            String json = p.toJson();
            assertThat(json).startsWith("{\"graph\":\"two \\\"tasks\\\"\",\"runtime\":\"" + dev.runtime() + "\"")
                    .contains("\"device\":\"" + dev.deviceName() + "\"", "\"task\":\"1:axpb\"", "\"file\":\"axpb.kc\"",
                            "\"global\":[256]", "\"local\":[64]", "\"direction\":\"to_host\"", "\"bytes\":1024", "\"copy_in_ns\":", "\"wall_ns\":")
                    .endsWith("]}");
            assertThat(plan.execute().profile().execution()).isEqualTo(2);
        }
    }

    /** The README's example, kept honest: a linear layer y = x·wᵀ with w copied once. */
    @Test
    void readmeExampleRuns() {
        GpuFixture.device(); // skips without a platform
        int n = 3, k = 5, d = 4;
        float[] input = randn(7, n * k), weights = randn(8, d * k);
        float[] result;
        // ---- README example ----
        try (OpenClDevice gpu = OpenClDevice.open(OpenClDevice.Options.defaults().withCache(GpuFixture.CACHE));
             DeviceArray x = gpu.floats("x", input); DeviceArray w = gpu.floats("w", weights); DeviceArray y = gpu.floats("y", n * d)) {
            SgemmTiling tiling = SgemmTiling.small(false, true);              // y (N, D) = x (N, K) · wᵀ, w: (D, K)
            Kernel gemm = gpu.kernel(Kernels.SGEMM, tiling.defines());        // built once, cached on disk
            try (ExecutionPlan plan = new TaskGraph("linear")
                    .transferToDevice(Transfer.FIRST_EXECUTION, w)             // weights: copied on the first run only
                    .transferToDevice(Transfer.EVERY_EXECUTION, x)             // inputs: copied on every run
                    .task(gemm, tiling.grid(n, d, 1), Arg.write(y), Arg.read(x), Arg.read(w),
                            Arg.i32(n), Arg.i32(d), Arg.i32(k), Arg.i32(0), Arg.i32(0), Arg.i32(0), Arg.f32(1), Arg.f32(0))
                    .transferToHost(Transfer.EVERY_EXECUTION, y)
                    .freeze()) {
                plan.execute();
                String profile = plan.profile().toJson();                     // kernel and copy times, device
                assertThat(profile).contains("\"task\":\"0:sgemm\"");
            }
            result = y.toFloatArray();
        }
        // ---- end of example ----
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                double want = 0;
                for (int p = 0; p < k; p++) want += (double) input[i * k + p] * weights[j * k + p];
                assertThat((double) result[i * d + j]).as("y[%d, %d]", i, j).isCloseTo(want, org.assertj.core.data.Offset.offset(1e-5));
            }
        }
    }

    private static float[] randn(long seed, int n) {
        return GpuFixture.randn(seed, n, 1.0);
    }
}
