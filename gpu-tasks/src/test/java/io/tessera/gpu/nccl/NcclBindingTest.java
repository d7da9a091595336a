/*
 * The NCCL binding against a stand-in library with NCCL 2's C signatures (fake_nccl.c, compiled
 * here), so the foreign-function descriptors are checked without a GPU: the version code, the
 * 128-byte id returned through a pointer and passed back by value, argument order and sizes of the
 * in-place all-reduce and broadcast, the asynchronous error, statuses by name with NCCL's words on
 * one line, and the hint for NCCL's refusal of two ranks on one GPU. It says nothing about NCCL
 * itself, which only the GPU checks exercise.
 */
package io.tessera.gpu.nccl;

import io.tessera.gpu.GpuUnavailableException;
import io.tessera.gpu.NativeException;
import io.tessera.tensor.dist.Collective;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NcclBindingTest {
    private Nccl nccl;

    @BeforeEach
    void load() {
        FakeNccl.setVersion(21803);
        nccl = Nccl.load(Optional.of(FakeNccl.library()));
        FakeNccl.setAsync(NcclStatus.ncclSuccess);
    }

    private static byte[] expectedId() {
        byte[] b = new byte[128];
        for (int i = 0; i < 128; i++) b[i] = (byte) (i * 7 + 3);
        return b;
    }

    @Test
    void versionAndUniqueIdComeThroughTheirPointers() {
        assertThat(nccl.versionCode()).isEqualTo(21803);
        assertThat(nccl.version()).isEqualTo("2.18.3");
        assertThat(nccl.atLeast(2, 18)).isTrue();
        assertThat(nccl.atLeast(2, 19)).isFalse();
        assertThat(nccl.uniqueId()).hasSize(Nccl.UNIQUE_ID_BYTES).isEqualTo(expectedId());
    }

    @Test
    void theIdPassedByValueArrivesWholeWithRankAndSizeInTheirPlaces() {
        MemorySegment comm = nccl.commInitRank(4, nccl.uniqueId(), 3, "test");
        assertThat(nccl.commCount(comm)).isEqualTo(4);
        assertThat(nccl.commUserRank(comm)).isEqualTo(3);
        assertThat(nccl.commCuDevice(comm)).isZero();

        byte[] changed = expectedId();
        changed[127] ^= 1; // the last byte: a by-value struct passed short would lose it
        assertThatThrownBy(() -> nccl.commInitRank(4, changed, 3, "rank 3 of 4"))
                .isInstanceOfSatisfying(NativeException.class, e -> {
                    assertThat(e.statusName()).isEqualTo("ncclInvalidArgument");
                    assertThat(e.runtime()).isEqualTo("nccl");
                    assertThat(e.getMessage()).isEqualTo("ncclCommInitRank failed with ncclInvalidArgument (4): rank 3 of 4: "
                            + "invalid argument (run with NCCL_DEBUG=WARN for details); NCCL: fake: the id arrived changed");
                });
        assertThatThrownBy(() -> nccl.commInitRank(4, new byte[64], 0, "")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("an ncclUniqueId has 128 bytes, got 64");
    }

    @Test
    void allReduceAndBroadcastPassPointerCountTypeOpAndStreamInOrder() {
        MemorySegment comm = nccl.commInitRank(3, nccl.uniqueId(), 1, "");
        MemorySegment stream = MemorySegment.ofAddress(0x5eed);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment f = a.allocateFrom(JAVA_FLOAT, 1.5f, -2f, 4f);
            nccl.allReduce(f.address(), 3, Nccl.ncclFloat32, Nccl.ncclSum, comm, stream, "");
            assertThat(f.toArray(JAVA_FLOAT)).containsExactly(4.5f, -6f, 12f); // three ranks holding the same values
            assertThat(FakeNccl.lastStream()).isEqualTo(0x5eed);
            assertThat(FakeNccl.lastCount()).isEqualTo(3);
            nccl.allReduce(f.address(), 2, Nccl.ncclFloat32, Nccl.ncclAvg, comm, stream, "");
            assertThat(f.toArray(JAVA_FLOAT)).containsExactly(4.5f, -6f, 12f);

            MemorySegment d = a.allocateFrom(JAVA_DOUBLE, 0.1, 1e300);
            nccl.allReduce(d.address(), 2, Nccl.ncclFloat64, Nccl.ncclSum, comm, stream, "");
            assertThat(d.toArray(JAVA_DOUBLE)).containsExactly(0.1 * 3, 1e300 * 3);

            long big = 5_000_000_000L; // a size_t count beyond an int: the fake records it without touching memory
            nccl.broadcast(d.address(), big, Nccl.ncclFloat64, 2, comm, MemorySegment.ofAddress(0xbeef), "");
            assertThat(FakeNccl.lastCount()).isEqualTo(big);
            assertThat(FakeNccl.intResult("fake_last_root")).isEqualTo(2);
            assertThat(FakeNccl.lastStream()).isEqualTo(0xbeef);

            assertThatThrownBy(() -> nccl.allReduce(f.address(), 3, 3, Nccl.ncclSum, comm, stream, "3 I32"))
                    .hasMessage("ncclAllReduce failed with ncclInvalidArgument (4): 3 I32: invalid argument (run with NCCL_DEBUG=WARN for details); "
                            + "NCCL: fake: datatype is neither ncclFloat32 nor ncclFloat64");
        }
    }

    @Test
    void asyncErrorDestroyAndAbortReachTheCommunicator() {
        MemorySegment comm = nccl.commInitRank(2, nccl.uniqueId(), 0, "");
        assertThat(nccl.asyncError(comm)).isEqualTo(NcclStatus.ncclSuccess);
        FakeNccl.setAsync(NcclStatus.ncclRemoteError);
        assertThat(nccl.asyncError(comm)).isEqualTo(NcclStatus.ncclRemoteError);
        assertThat(nccl.failure(NcclStatus.ncclRemoteError, "ncclAllReduce", "rank 0 of 2").getMessage())
                .startsWith("ncclAllReduce failed with ncclRemoteError (6): rank 0 of 2: remote process exited or there was a network error");
        int destroyed = FakeNccl.intResult("fake_destroyed"), aborted = FakeNccl.intResult("fake_aborted");
        nccl.commDestroy(comm);
        nccl.commAbort(comm);
        assertThat(FakeNccl.intResult("fake_destroyed")).isEqualTo(destroyed + 1);
        assertThat(FakeNccl.intResult("fake_aborted")).isEqualTo(aborted + 1);
    }

    @Test
    void twoRanksOnOneGpuRefusedByNcclReadAsOneLineWithTheWayOut() {
        // the fake refuses a world of 7 as NCCL refuses duplicate GPUs: ncclInvalidUsage and "Duplicate GPU detected"
        assertThatThrownBy(() -> NcclCollective.init(nccl, 7, nccl.uniqueId(), 1, "rank 1 of 7 on cuda:0"))
                .isInstanceOfSatisfying(NativeException.class, e -> {
                    assertThat(e.statusName()).isEqualTo("ncclInvalidUsage");
                    assertThat(e.getMessage()).isEqualTo("ncclCommInitRank failed with ncclInvalidUsage (5): rank 1 of 7 on cuda:0: "
                            + "invalid usage (run with NCCL_DEBUG=WARN for details); NCCL: Duplicate GPU detected : rank 1 and rank 0 both on CUDA device 1000; "
                            + "this NCCL (2.18.3) puts one rank on each GPU: give each rank its own device (CUDA_VISIBLE_DEVICES, LOCAL_RANK), "
                            + "or use an NCCL that allows several ranks per GPU (2.30 and newer, with NCCL_MULTI_RANK_GPU_ENABLE=1)");
                    assertThat(e.getMessage()).doesNotContain("\n");
                });
    }

    @Test
    void anNcclOlderThanTwoTenIsRefusedBeforeAnythingElse() {
        FakeNccl.setVersion(20909);
        Nccl old = Nccl.load(Optional.of(FakeNccl.library()));
        assertThat(old.version()).isEqualTo("2.9.9");
        boolean[] closed = {false};
        Bootstrap b = Bootstrap.over(new ClosingGroup(closed));
        assertThatThrownBy(() -> NcclCollective.open(null, 0, 1, b, Duration.ofSeconds(1), old))
                .isInstanceOf(GpuUnavailableException.class)
                .hasMessage("nccl unavailable: NCCL 2.9.9 is older than 2.10, the first with ncclAvg, which Tessera's means use; install a newer NCCL");
        assertThat(closed[0]).as("the bootstrap group is closed on failure").isTrue();
    }

    /** A group of one that notes its closing. */
    private record ClosingGroup(boolean[] closed) implements Collective {
        private static final Collective ONE = Collective.single();

        @Override
        public int rank() {
            return 0;
        }

        @Override
        public int worldSize() {
            return 1;
        }

        @Override
        public void allReduceSum(float[] data, int offset, int length) {
            ONE.allReduceSum(data, offset, length);
        }

        @Override
        public void allReduceSum(double[] data, int offset, int length) {
            ONE.allReduceSum(data, offset, length);
        }

        @Override
        public void allReduceSum(MemorySegment data, io.tessera.tensor.DType dtype) {
            ONE.allReduceSum(data, dtype);
        }

        @Override
        public void broadcast(float[] data, int offset, int length, int root) {
            ONE.broadcast(data, offset, length, root);
        }

        @Override
        public void broadcast(double[] data, int offset, int length, int root) {
            ONE.broadcast(data, offset, length, root);
        }

        @Override
        public void broadcast(MemorySegment data, io.tessera.tensor.DType dtype, int root) {
            ONE.broadcast(data, dtype, root);
        }

        @Override
        public void barrier() {
        }

        @Override
        public void close() {
            closed[0] = true;
        }
    }
}
