package io.tessera.cli;

import io.tessera.gpu.mpi.MpiCollective;
import io.tessera.tensor.dist.Collective;
import io.tessera.tensor.dist.LaunchEnvironment;

/**
 * {@code --distributed}: how the processes of one command join (pre-training, the Hessian
 * analysis). MPI joins the processes mpirun or srun started into MPI_COMM_WORLD; none runs this
 * process alone; auto is MPI when mpirun or srun started more than one process, else none.
 */
enum Distributed {
    AUTO, MPI, NONE;

    /**
     * The group this choice means where the launcher left {@code env}.
     *
     * @param activity what the processes do together, for the refusal under torchrun, e.g. "pre-training"
     * @param alone    what {@code --distributed none} would do instead, e.g. "train each process alone"
     * @throws IllegalArgumentException under torchrun with auto: its processes do not meet over MPI
     */
    Collective open(LaunchEnvironment env, String activity, String alone) {
        Distributed d = this;
        if (d == AUTO) {
            if (env.launcher() == LaunchEnvironment.Launcher.TORCHRUN && env.distributed()) {
                throw new IllegalArgumentException("torchrun started this process (RANK/WORLD_SIZE), but " + activity + " joins processes through MPI only: start it with mpirun -np "
                        + env.worldSize() + ", or give --distributed none to " + alone);
            }
            boolean launched = env.launcher() == LaunchEnvironment.Launcher.MPIRUN || env.launcher() == LaunchEnvironment.Launcher.SLURM;
            d = launched && env.distributed() ? MPI : NONE;
        }
        return d == MPI ? MpiCollective.open() : Collective.single();
    }
}
