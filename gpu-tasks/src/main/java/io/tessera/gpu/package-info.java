/**
 * GPUs over FFM: task graphs and the tensor backends. Start at {@link io.tessera.gpu.OpenClDevice#open}
 * or {@link io.tessera.gpu.CudaDevice#open} (both a {@link io.tessera.gpu.ComputeDevice}; list what
 * this machine has with {@link io.tessera.gpu.Devices}); allocate {@link io.tessera.gpu.DeviceArray}s,
 * get built {@link io.tessera.gpu.Kernel}s from the {@link io.tessera.gpu.Kernels} catalog
 * (sources in {@code kernels/*.kc}, one C subset for OpenCL C and CUDA C, a prelude per
 * {@link io.tessera.gpu.Dialect}, variants by {@link io.tessera.gpu.Defines}, programs cached in
 * memory and on disk by {@link io.tessera.gpu.ProgramCache}); declare a
 * {@link io.tessera.gpu.TaskGraph} and freeze it into an {@link io.tessera.gpu.ExecutionPlan},
 * which executes repeatedly and reports a {@link io.tessera.gpu.Profile}. For training, the tensor
 * {@code Backend} runs on {@link io.tessera.gpu.ClBackend} or {@link io.tessera.gpu.CudaBackend}
 * (common code in {@link io.tessera.gpu.GpuBackend}). Native bindings are one class per API
 * ({@link io.tessera.gpu.OpenCl}, {@link io.tessera.gpu.Cuda}, {@link io.tessera.gpu.Nvrtc},
 * {@link io.tessera.gpu.CuBlas}, {@link io.tessera.gpu.ClBlast}); failures are
 * {@link io.tessera.gpu.GpuException}s that name the native status, never a quiet CPU fall back.
 */
package io.tessera.gpu;
