/**
 * CPU backends: {@link io.tessera.tensor.cpu.ReferenceBackend} (scalar, computes in double; the
 * oracle) and {@link io.tessera.tensor.cpu.CpuBackend} (Vector API kernels for F32 from
 * {@code cpu.simd}, deterministic across thread counts). {@code Ref*} classes hold the reference
 * kernels, one op family per class.
 */
package io.tessera.tensor.cpu;
