/**
 * MPI over FFM: {@link io.tessera.gpu.mpi.Mpi} binds Open MPI's C API (loaded globally with
 * dlopen, as its plugins need) and {@link io.tessera.gpu.mpi.MpiCollective} is MPI_COMM_WORLD as a
 * {@link io.tessera.tensor.dist.Collective}, every call on one thread under a timeout. Start the
 * ranks with {@code mpirun} or {@code srun}; read the launcher's rank variables with
 * {@link io.tessera.tensor.dist.LaunchEnvironment}. Failures name the MPI error class
 * ({@link io.tessera.gpu.mpi.MpiStatus}); a missing or foreign libmpi is a
 * {@link io.tessera.gpu.GpuUnavailableException} for runtime "mpi".
 */
package io.tessera.gpu.mpi;
