/**
 * NCCL over FFM: {@link io.tessera.gpu.nccl.Nccl} binds NCCL 2's C API (libnccl.so.2 from the system,
 * the CUDA toolkit or the nvidia-nccl-cu* wheels, or the path {@code -Dtessera.nccl.library} names), and
 * {@link io.tessera.gpu.nccl.NcclCollective} is one GPU per process as a
 * {@link io.tessera.tensor.dist.Collective}, in place on a {@link io.tessera.gpu.CudaBackend}'s device
 * buffers and stream. {@link io.tessera.gpu.nccl.Bootstrap} says how rank 0's unique id reaches the
 * others: MPI, the TCP exchange at torchrun's MASTER_ADDR:MASTER_PORT
 * ({@link io.tessera.tensor.dist.IdRendezvous}), or NCCL_COMM_ID. Failures name the ncclResult_t
 * ({@link io.tessera.gpu.nccl.NcclStatus}); a missing library is a
 * {@link io.tessera.gpu.GpuUnavailableException} for runtime "nccl".
 */
package io.tessera.gpu.nccl;
