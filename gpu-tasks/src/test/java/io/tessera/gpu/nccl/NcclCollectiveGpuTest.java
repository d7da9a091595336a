/*
 * NCCL on a real GPU, one rank: the communicator on the CUDA backend's device, an all-reduce of a
 * gradient on device memory inside a training step (forward, backward, all-reduce on the backend's
 * stream with no synchronisation in between, update) against the same step on the CPU reference,
 * every data path (device tensors and segments in place; heap arrays, host tensors and native host
 * segments staged) on known values, barrier and close. A world of one cannot show that sums add up
 * across ranks (the two-process CLI check on the GPU host does); it shows that the calls, the
 * pointers, the stream order and the waits are right. Skipped without a CUDA device or without
 * NCCL, unless -Dtessera.test.nccl=required makes a missing NCCL a failure.
 */
package io.tessera.gpu.nccl;

import io.tessera.gpu.CudaBackend;
import io.tessera.gpu.CudaDevice;
import io.tessera.gpu.GpuUnavailableException;
import io.tessera.gpu.ProgramCache;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Tape;
import io.tessera.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;

import static io.tessera.tensor.Tolerance.assertClose;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Tag("gpu")
class NcclCollectiveGpuTest {
    private static ExecutionContext gpu;
    private static NcclCollective group;
    private static String unavailable;

    /** Opens the backend and the one-rank communicator once; skips the calling test where either is missing. */
    @BeforeEach
    void require() {
        synchronized (NcclCollectiveGpuTest.class) {
            if (group == null && unavailable == null) open();
        }
        Assumptions.assumeTrue(group != null, () -> unavailable);
    }

    private static void open() {
        CudaBackend backend;
        try {
            backend = CudaBackend.open(CudaDevice.Options.defaults().withCache(ProgramCache.onDisk(Path.of("target", "kernel-cache"))),
                    CudaBackend.MatmulEngine.TILED);
        } catch (GpuUnavailableException e) {
            unavailable = "no CUDA device: " + e.getMessage();
            return;
        }
        gpu = new ExecutionContext(backend, 3);
        Nccl nccl;
        try {
            nccl = Nccl.load();
        } catch (GpuUnavailableException e) {
            if ("required".equals(System.getProperty("tessera.test.nccl"))) throw e;
            unavailable = "no NCCL: " + e.getMessage();
            return;
        }
        group = NcclCollective.open(backend, 0, 1, Bootstrap.single(), Duration.ofSeconds(60), nccl);
    }

    @AfterAll
    static void close() {
        if (group != null) group.close();
        if (gpu != null) gpu.close();
    }

    private static float[] randn(long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (r.nextDouble() * 2 - 1);
        return v;
    }

    @Test
    void theCommunicatorIsRankZeroOfOneOnTheBackendsDevice() {
        assertThat(group.rank()).isZero();
        assertThat(group.worldSize()).isOne();
        assertThat(group.deviceOrdinal()).isEqualTo(((CudaBackend) gpu.backend()).cudaDevice().ordinal());
        assertThat(group.libraryVersion()).matches("2\\.\\d+\\.\\d+");
        assertThat(group.toString()).startsWith("NCCL 2.");
    }

    /** loss = mean((x·W − t)²); returns W after one SGD step with the gradient all-reduced through {@code allReduce}. */
    private static float[] step(ExecutionContext ctx, java.util.function.Consumer<Tensor> allReduce) {
        int b = 24, d = 37, k = 5; // not multiples of a warp
        Ops o = ctx.ops();
        Tensor x = o.tensor(randn(1, b * d), b, d), t = o.tensor(randn(2, b * k), b, k);
        Tensor w = o.tensor(randn(3, d * k), d, k).requiresGrad(true);
        try (Tape tape = ctx.record()) {
            Tensor loss = o.mean(o.square(o.sub(o.matmul(x, w), t)));
            tape.backward(loss);
        }
        Tensor g = w.grad();
        allReduce.accept(g); // enqueued right behind the backward's kernels, on the same stream
        ctx.backend().accumulate(w, g, -0.5);
        return w.toFloatArray();
    }

    @Test
    void aGradientAllReducedOnTheDeviceInsideATrainingStepEqualsTheReferenceStep() {
        float[] viaNccl = step(gpu, group::allReduceMean);
        float[] cpu;
        try (ExecutionContext ref = ExecutionContext.reference(3)) {
            cpu = step(ref, g -> { });
        }
        assertClose("W after one step, gradient through ncclAllReduce (ncclAvg)", viaNccl, cpu, 1e-5, 1e-4);
        float[] summed = step(gpu, group::allReduceSum);
        assertClose("a sum over one rank is the gradient itself", summed, viaNccl, 0, 1e-6);
    }

    @Test
    void deviceTensorsAndSegmentsAreReducedAndBroadcastInPlace() {
        Ops o = gpu.ops();
        float[] v = randn(5, 1000);
        Tensor big = o.tensor(v, 1000);
        Tensor slice = big.narrow0(300, 123); // an offset into a buffer
        group.allReduceSum(slice);
        group.broadcast(slice, 0);
        group.allReduceMean(slice);
        assertThat(big.toFloatArray()).as("one rank: the values stay, none outside the slice is touched").containsExactly(v);
        MemorySegment seg = ((CudaBackend) gpu.backend()).deviceSegment(slice);
        assertThat(seg.byteSize()).isEqualTo(123 * 4L);
        group.allReduceSum(seg, DType.F32);
        assertThat(big.toFloatArray()).containsExactly(v);
    }

    @Test
    void hostDataIsStagedThroughTheDevice() {
        float[] f = randn(6, 513), f0 = f.clone();
        group.allReduceSum(f, 1, 500);
        group.allReduceMean(f);
        group.broadcast(f, 3, 7, 0);
        assertThat(f).containsExactly(f0);
        double[] d = {0.1, -1e300, Double.MIN_VALUE, 7};
        group.allReduceSum(d);
        group.allReduceMean(d, 1, 2);
        assertThat(d).containsExactly(0.1, -1e300, Double.MIN_VALUE, 7);
        try (Arena a = Arena.ofShared()) {
            MemorySegment native_ = a.allocateFrom(JAVA_FLOAT, 1f, 2f, 3f);
            group.allReduceSum(native_, DType.F32);
            group.broadcast(native_, DType.F32, 0);
            assertThat(native_.toArray(JAVA_FLOAT)).containsExactly(1f, 2f, 3f);
        }
        MemorySegment heap = MemorySegment.ofArray(new float[] {4f, 5f});
        group.allReduceMean(heap, DType.F32);
        assertThat(heap.toArray(JAVA_FLOAT)).containsExactly(4f, 5f);
        try (ExecutionContext ref = ExecutionContext.reference(0)) {
            Tensor host = ref.ops().tensor(new float[] {9f, 8f}, 2);
            group.allReduceSum(host);
            assertThat(host.toFloatArray()).containsExactly(9f, 8f);
        }
        group.barrier();
    }

    @Test
    void argumentsAreCheckedBeforeNcclIsCalled() {
        assertThatThrownBy(() -> group.broadcast(new float[4], 0, 4, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("broadcast: root 1 is not a rank of this group (0..0)");
        assertThatThrownBy(() -> group.allReduceSum(new float[4], 2, 3)).isInstanceOf(IllegalArgumentException.class);
        Tensor ids = gpu.ops().zeros(io.tessera.tensor.Shape.of(4), DType.I32);
        assertThatThrownBy(() -> group.allReduceSum(ids)).hasMessage("allReduceSum: collectives move F32 or F64 buffers, got I32");
    }
}
