/**
 * Collective communication for data-parallel work, written once against
 * {@link io.tessera.tensor.dist.Collective}: in-place all-reduce (sum, mean) and broadcast of flat
 * F32 / F64 buffers, and a barrier. {@link io.tessera.tensor.dist.Collective#single()} is the
 * group of one process; the MPI group lives in gpu-tasks ({@code io.tessera.gpu.mpi}), next to the
 * other native bindings. {@link io.tessera.tensor.dist.LaunchEnvironment} reads a process's rank
 * and world size from the variables torchrun, mpirun and srun set.
 */
package io.tessera.tensor.dist;
