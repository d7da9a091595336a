package io.tessera.cli;

import io.tessera.gpu.CudaBackend;
import io.tessera.gpu.mpi.MpiCollective;
import io.tessera.gpu.nccl.Bootstrap;
import io.tessera.gpu.nccl.NcclCollective;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.dist.Collective;
import io.tessera.tensor.dist.IdRendezvous;
import io.tessera.tensor.dist.LaunchEnvironment;

import java.util.Map;

/**
 * {@code --distributed}: how the processes of one command join (pre-training, the Hessian
 * analysis). MPI joins the processes mpirun or srun started into MPI_COMM_WORLD on the CPU; NCCL
 * joins the processes torchrun, mpirun or srun started, one CUDA device each, for pre-training on
 * {@code --device cuda}; none runs this process alone; auto is NCCL for a CUDA device and MPI for the
 * CPU when a launcher started more than one process, else none.
 */
enum Distributed {
    AUTO, MPI, NCCL, NONE;

    /** The system property that sets the NCCL group's timeout in seconds (default: NcclCollective's ten minutes). */
    static final String TIMEOUT_PROPERTY = "tessera.collective.timeout";

    /**
     * The group this choice means where the launcher left {@code env}, for a command whose
     * collectives reduce host memory (MPI only, e.g. the Hessian analysis).
     *
     * @param activity what the processes do together, for the refusals, e.g. "the Hessian analysis"
     * @param alone    what {@code --distributed none} would do instead, e.g. "analyse in each process alone"
     * @throws IllegalArgumentException under torchrun with auto (its processes do not meet over MPI) and for nccl
     */
    Collective open(LaunchEnvironment env, String activity, String alone) {
        if (this == NCCL) {
            throw new IllegalArgumentException("--distributed nccl joins pre-training on CUDA devices; " + activity + " joins processes through MPI only: give --distributed mpi or none");
        }
        Distributed d = this == AUTO ? auto(env, DeviceSpec.Kind.CPU, activity, alone, false) : this;
        return d == MPI ? MpiCollective.open() : Collective.single();
    }

    /**
     * What this choice resolves to for a command on {@code device}: never AUTO.
     *
     * @throws IllegalArgumentException in one line for a choice the device cannot take: nccl off a
     *                                  CUDA device, mpi on a GPU among several processes, auto among
     *                                  several processes on OpenCL or (CPU) under torchrun
     */
    Distributed resolve(LaunchEnvironment env, DeviceSpec.Kind device, String activity, String alone) {
        return switch (this) {
            case AUTO -> auto(env, device, activity, alone, true);
            case NCCL -> {
                if (device != DeviceSpec.Kind.CUDA) {
                    throw new IllegalArgumentException("--distributed nccl needs --device cuda (NCCL reduces CUDA device memory); on the CPU give --distributed mpi under mpirun or srun");
                }
                yield NCCL;
            }
            case MPI -> {
                if (env.distributed() && device != DeviceSpec.Kind.CPU) {
                    throw new IllegalArgumentException("--distributed mpi runs " + activity + " on the CPU only (its collectives reduce host memory); drop --device "
                            + device.name().toLowerCase(java.util.Locale.ROOT) + (device == DeviceSpec.Kind.CUDA ? ", or give --distributed nccl" : ""));
                }
                yield MPI;
            }
            case NONE -> NONE;
        };
    }

    /** auto's choice; {@code ncclToo}: whether the command also joins over NCCL on CUDA (pre-training does). */
    private static Distributed auto(LaunchEnvironment env, DeviceSpec.Kind device, String activity, String alone, boolean ncclToo) {
        if (!env.distributed()) return NONE;
        return switch (device) {
            case CUDA -> ncclToo ? NCCL : MPI;
            case OPENCL -> throw new IllegalArgumentException(env.launcher().name().toLowerCase(java.util.Locale.ROOT) + " started " + env.worldSize()
                    + " processes, but " + activity + " on OpenCL devices runs alone: processes join over MPI on the CPU or over NCCL on --device cuda; or give --distributed none to " + alone);
            case CPU -> {
                if (env.launcher() == LaunchEnvironment.Launcher.TORCHRUN) {
                    throw new IllegalArgumentException("torchrun started this process (RANK/WORLD_SIZE), but " + activity + " on the CPU joins processes through MPI only: start it with mpirun -np "
                            + env.worldSize() + (ncclToo ? ", train on --device cuda (over NCCL)" : "") + ", or give --distributed none to " + alone);
                }
                yield MPI;
            }
        };
    }

    /**
     * Opens the group of a resolved choice on {@code ctx}: for NCCL, the context's CUDA backend,
     * rank and size from the launcher, and the unique id shared as {@link #bootstrap} says.
     */
    Collective openOn(ExecutionContext ctx, LaunchEnvironment env, Map<String, String> vars) {
        return switch (this) {
            case MPI -> MpiCollective.open();
            case NONE -> Collective.single();
            case NCCL -> {
                if (!(ctx.backend() instanceof CudaBackend cuda)) throw new IllegalArgumentException("--distributed nccl needs --device cuda");
                yield NcclCollective.open(cuda, env.rank(), env.worldSize(), bootstrap(env, vars), timeout());
            }
            case AUTO -> throw new IllegalStateException("resolve --distributed auto before opening a group");
        };
    }

    /** {@value #TIMEOUT_PROPERTY} seconds when set, else {@link NcclCollective#DEFAULT_TIMEOUT}. */
    static java.time.Duration timeout() {
        String v = System.getProperty(TIMEOUT_PROPERTY);
        if (v == null || v.isBlank()) return NcclCollective.DEFAULT_TIMEOUT;
        try {
            long s = Long.parseLong(v.strip());
            if (s >= 1) return java.time.Duration.ofSeconds(s);
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("-D" + TIMEOUT_PROPERTY + "=" + v + " is not a whole number of seconds ≥ 1");
    }

    /**
     * How rank 0's NCCL id reaches the others: NCCL's own bootstrap when NCCL_COMM_ID is set; the
     * TCP exchange at torchrun's MASTER_ADDR:MASTER_PORT (see {@link IdRendezvous.Endpoint#torchrun});
     * an MPI broadcast under mpirun or srun (MPI must see the same processes); nothing for one process.
     */
    static Bootstrap bootstrap(LaunchEnvironment env, Map<String, String> vars) {
        String commId = vars.get("NCCL_COMM_ID");
        if (commId != null && !commId.isBlank()) return Bootstrap.commIdVariable();
        return switch (env.launcher()) {
            case NONE -> Bootstrap.single();
            case TORCHRUN -> Bootstrap.tcp(IdRendezvous.Endpoint.torchrun(env, vars));
            case MPIRUN, SLURM -> {
                MpiCollective mpi = MpiCollective.open();
                if (mpi.worldSize() != env.worldSize() || mpi.rank() != env.rank()) {
                    String seen = "rank " + mpi.rank() + " of " + mpi.worldSize();
                    mpi.close();
                    throw new IllegalArgumentException(env.launcher().name().toLowerCase(java.util.Locale.ROOT) + " made this process " + env
                            + " but MPI sees " + seen + ": MPI cannot share NCCL's id here (under srun give --mpi=pmix with an Open MPI built for Slurm), "
                            + "or set NCCL_COMM_ID=HOST:PORT of rank 0's node on every rank");
                }
                yield Bootstrap.over(mpi);
            }
        };
    }
}
