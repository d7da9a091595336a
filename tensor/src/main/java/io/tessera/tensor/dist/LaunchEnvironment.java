/*
 * The process's place in a job as the common launchers state it in the environment: torchrun
 * (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT), mpirun (OMPI_COMM_WORLD_RANK, _SIZE,
 * _LOCAL_RANK) and srun (SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID). This is the one parser of
 * these variables; it reads a map handed to it and never the process environment itself.
 */
package io.tessera.tensor.dist;

import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Rank, world size and local rank of this process, and who launched it.
 *
 * @param launcher   which launcher's variables were read ({@link Launcher#NONE}: none set, a world of one)
 * @param rank       0 ≤ rank &lt; worldSize
 * @param worldSize  the number of processes, ≥ 1
 * @param localRank  the rank among the processes on this node, when the launcher says it
 * @param masterAddr torchrun's rendezvous host ({@code MASTER_ADDR}), when torchrun set it
 * @param masterPort torchrun's rendezvous port ({@code MASTER_PORT}), when torchrun set it
 */
public record LaunchEnvironment(Launcher launcher, int rank, int worldSize, OptionalInt localRank,
                                Optional<String> masterAddr, OptionalInt masterPort) {

    /** The launchers whose variables are read, in the order they take precedence. */
    public enum Launcher {
        /** torchrun (and torch.distributed.launch): RANK, WORLD_SIZE, LOCAL_RANK. */
        TORCHRUN("RANK", "WORLD_SIZE", "LOCAL_RANK"),
        /** Open MPI's mpirun: OMPI_COMM_WORLD_RANK, OMPI_COMM_WORLD_SIZE, OMPI_COMM_WORLD_LOCAL_RANK. */
        MPIRUN("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK"),
        /** Slurm's srun: SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID. */
        SLURM("SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID"),
        /** No launcher variable is set: a single process. */
        NONE(null, null, null);

        private final String rankVar, sizeVar, localVar;

        Launcher(String rankVar, String sizeVar, String localVar) {
            this.rankVar = rankVar;
            this.sizeVar = sizeVar;
            this.localVar = localVar;
        }

        /** The variable that holds the rank (null for NONE). */
        public String rankVariable() {
            return rankVar;
        }

        /** The variable that holds the world size (null for NONE). */
        public String sizeVariable() {
            return sizeVar;
        }

        /** The variable that holds the node-local rank (null for NONE). */
        public String localRankVariable() {
            return localVar;
        }
    }

    /** A single process that no launcher started. */
    public static final LaunchEnvironment SINGLE = new LaunchEnvironment(Launcher.NONE, 0, 1, OptionalInt.empty(), Optional.empty(), OptionalInt.empty());

    public LaunchEnvironment {
        if (worldSize < 1) throw new IllegalArgumentException("a world size is at least 1, got " + worldSize);
        if (rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("rank " + rank + " is not one of 0.." + (worldSize - 1) + " of a world of " + worldSize);
        }
        if (localRank.isPresent() && (localRank.getAsInt() < 0 || localRank.getAsInt() >= worldSize)) {
            throw new IllegalArgumentException("local rank " + localRank.getAsInt() + " is not one of 0.." + (worldSize - 1) + " of a world of " + worldSize);
        }
        if (masterPort.isPresent() && (masterPort.getAsInt() < 1 || masterPort.getAsInt() > 65535)) {
            throw new IllegalArgumentException("a port is 1..65535, got " + masterPort.getAsInt());
        }
    }

    /** True for more than one process. */
    public boolean distributed() {
        return worldSize > 1;
    }

    /**
     * Reads the first launcher whose variables are present, in the order torchrun, mpirun, srun
     * (so torchrun or mpirun started inside a Slurm allocation wins over the allocation's own
     * SLURM_PROCID); {@link #SINGLE} when none is.
     *
     * @param env the environment, e.g. {@code System.getenv()}
     * @throws IllegalArgumentException in one line for half a pair (WORLD_SIZE without RANK), a
     *                                  value that is not a whole number, a rank outside the world,
     *                                  or MASTER_PORT without MASTER_ADDR
     */
    public static LaunchEnvironment fromEnvironment(Map<String, String> env) {
        for (Launcher l : Launcher.values()) {
            if (l == Launcher.NONE) break;
            String rank = value(env, l.rankVar), size = value(env, l.sizeVar);
            if (rank == null && size == null) continue;
            if (rank == null || size == null) {
                throw new IllegalArgumentException("the environment sets " + (rank == null ? l.sizeVar + " but not " + l.rankVar : l.rankVar + " but not " + l.sizeVar)
                        + "; a launcher sets both");
            }
            int r = number(l.rankVar, rank), n = number(l.sizeVar, size);
            if (n < 1) throw new IllegalArgumentException(l.sizeVar + "=" + size + " is not a world size (at least 1)");
            if (r >= n) throw new IllegalArgumentException(l.rankVar + "=" + rank + " is not a rank of " + l.sizeVar + "=" + size + " (0.." + (n - 1) + ")");
            String local = value(env, l.localVar);
            OptionalInt localRank = OptionalInt.empty();
            if (local != null) {
                int lr = number(l.localVar, local);
                if (lr >= n) throw new IllegalArgumentException(l.localVar + "=" + local + " is not below " + l.sizeVar + "=" + size);
                localRank = OptionalInt.of(lr);
            }
            return new LaunchEnvironment(l, r, n, localRank, masterAddr(env, l), masterPort(env, l));
        }
        return SINGLE;
    }

    /** torchrun's MASTER_ADDR; read for torchrun only, the one launcher that sets it. */
    private static Optional<String> masterAddr(Map<String, String> env, Launcher l) {
        if (l != Launcher.TORCHRUN) return Optional.empty();
        String addr = value(env, "MASTER_ADDR");
        if (addr == null && value(env, "MASTER_PORT") != null) {
            throw new IllegalArgumentException("the environment sets MASTER_PORT but not MASTER_ADDR; torchrun sets both");
        }
        return Optional.ofNullable(addr);
    }

    /** torchrun's MASTER_PORT; read for torchrun only. */
    private static OptionalInt masterPort(Map<String, String> env, Launcher l) {
        String port = l == Launcher.TORCHRUN ? value(env, "MASTER_PORT") : null;
        if (port == null) return OptionalInt.empty();
        int p = number("MASTER_PORT", port);
        if (p < 1 || p > 65535) throw new IllegalArgumentException("MASTER_PORT=" + port + " is not a port (1..65535)");
        return OptionalInt.of(p);
    }

    /** The variable's value, stripped; null when unset or blank. */
    private static String value(Map<String, String> env, String name) {
        if (name == null) return null;
        String v = env.get(name);
        return v == null || v.isBlank() ? null : v.strip();
    }

    private static int number(String name, String value) {
        try {
            int n = Integer.parseInt(value);
            if (n < 0) throw new IllegalArgumentException(name + "=" + value + " is negative; it must be a whole number ≥ 0");
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + "=" + value + " is not a whole number");
        }
    }

    @Override
    public String toString() {
        return launcher == Launcher.NONE ? "single process" : "rank " + rank + " of " + worldSize + " (" + launcher.name().toLowerCase(java.util.Locale.ROOT) + ")";
    }
}
