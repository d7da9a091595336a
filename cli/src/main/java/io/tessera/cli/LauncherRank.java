package io.tessera.cli;

import io.tessera.eval.landscape.SurfaceGrid;

import java.util.Map;

/**
 * The worker's place among several, as the common launchers state it: torchrun ({@code RANK},
 * {@code WORLD_SIZE}), srun ({@code SLURM_PROCID}, {@code SLURM_NTASKS}) and mpirun
 * ({@code OMPI_COMM_WORLD_RANK}, {@code OMPI_COMM_WORLD_SIZE}). Read only here, at the edge.
 */
final class LauncherRank {
    private static final String[][] PAIRS = {{"RANK", "WORLD_SIZE"}, {"OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"}, {"SLURM_PROCID", "SLURM_NTASKS"}};

    private LauncherRank() {
    }

    /** The shard of this worker, or the whole grid when no launcher variable is set; half a pair or a bad number is an error. */
    static SurfaceGrid.Shard fromEnvironment(Map<String, String> env) {
        for (String[] p : PAIRS) {
            String rank = env.get(p[0]), size = env.get(p[1]);
            if (rank == null && size == null) continue;
            if (rank == null || size == null) {
                throw new IllegalArgumentException("the environment sets " + (rank == null ? p[1] + " but not " + p[0] : p[0] + " but not " + p[1])
                        + "; set both, or give --shard i/N");
            }
            try {
                return new SurfaceGrid.Shard(Integer.parseInt(rank.trim()), Integer.parseInt(size.trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(p[0] + "=" + rank + " and " + p[1] + "=" + size + " are not a rank and a size");
            }
        }
        return SurfaceGrid.Shard.WHOLE;
    }
}
