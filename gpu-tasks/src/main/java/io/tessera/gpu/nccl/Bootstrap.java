/*
 * How rank 0's ncclUniqueId reaches the other ranks before ncclCommInitRank: broadcast over a group
 * the ranks already share (MPI under mpirun or srun), the TCP exchange at torchrun's MASTER_ADDR and
 * MASTER_PORT, nothing for one process, or none at all when NCCL_COMM_ID is set (every rank's
 * ncclGetUniqueId then yields the same id, and rank 0's ncclCommInitRank hosts NCCL's own bootstrap
 * at that address).
 */
package io.tessera.gpu.nccl;

import io.tessera.tensor.DType;
import io.tessera.tensor.dist.Collective;
import io.tessera.tensor.dist.IdRendezvous;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.function.Supplier;

/** One way to share the unique id; closed by the NCCL collective that used it. */
public sealed interface Bootstrap extends AutoCloseable {

    /**
     * Rank 0's id on every rank.
     *
     * @param newId ncclGetUniqueId; called on rank 0 (on every rank for {@link CommIdVariable})
     */
    byte[] share(int rank, int worldSize, Supplier<byte[]> newId, Duration timeout);

    /** Releases what the bootstrap holds (the MPI group); a no-op for the others. */
    @Override
    default void close() {
    }

    /** Over TCP: rank 0 listens at the endpoint (see {@link IdRendezvous}). */
    static Bootstrap tcp(IdRendezvous.Endpoint endpoint) {
        return new Tcp(endpoint);
    }

    /**
     * Broadcast from rank 0 of {@code group}, whose ranks and size must be the NCCL communicator's;
     * the group is closed when the NCCL collective closes (it stays open until then: MPI_Finalize
     * belongs at the end of the job).
     */
    static Bootstrap over(Collective group) {
        return new OverGroup(group);
    }

    /** One process: its own id, nothing to share. */
    static Bootstrap single() {
        return new Single();
    }

    /** NCCL_COMM_ID is set: NCCL bootstraps itself at that address, nothing is exchanged here. */
    static Bootstrap commIdVariable() {
        return new CommIdVariable();
    }

    record Tcp(IdRendezvous.Endpoint endpoint) implements Bootstrap {
        @Override
        public byte[] share(int rank, int worldSize, Supplier<byte[]> newId, Duration timeout) {
            return IdRendezvous.share(endpoint, rank, worldSize, rank == 0 ? newId.get() : null, Nccl.UNIQUE_ID_BYTES, timeout);
        }

        @Override
        public String toString() {
            return "TCP rendezvous at " + endpoint;
        }
    }

    record OverGroup(Collective group) implements Bootstrap {
        /**
         * The 128 bytes travel as 32 F32 elements: a broadcast copies them bit for bit (no
         * arithmetic touches a broadcast's values), whatever bit patterns they make as floats.
         */
        @Override
        public byte[] share(int rank, int worldSize, Supplier<byte[]> newId, Duration timeout) {
            if (group.rank() != rank || group.worldSize() != worldSize) {
                throw new IllegalArgumentException("the bootstrap group is rank " + group.rank() + " of " + group.worldSize()
                        + ", the NCCL communicator rank " + rank + " of " + worldSize + "; they must be the same processes");
            }
            byte[] id = rank == 0 ? newId.get() : new byte[Nccl.UNIQUE_ID_BYTES];
            group.broadcast(MemorySegment.ofArray(id), DType.F32, 0);
            return id;
        }

        @Override
        public void close() {
            group.close();
        }

        @Override
        public String toString() {
            return "broadcast over " + group;
        }
    }

    record Single() implements Bootstrap {
        @Override
        public byte[] share(int rank, int worldSize, Supplier<byte[]> newId, Duration timeout) {
            if (worldSize != 1) throw new IllegalArgumentException("a single process cannot share NCCL's id with " + (worldSize - 1) + " other rank(s); start the ranks with torchrun, mpirun or srun");
            return newId.get();
        }

        @Override
        public String toString() {
            return "one process";
        }
    }

    record CommIdVariable() implements Bootstrap {
        @Override
        public byte[] share(int rank, int worldSize, Supplier<byte[]> newId, Duration timeout) {
            return newId.get();
        }

        @Override
        public String toString() {
            return "NCCL_COMM_ID (NCCL's own bootstrap)";
        }
    }
}
