/**
 * The backend service-provider interface: the kernel contract that the CPU reference, the CPU
 * Vector API backend and the GPU backends implement. Only {@link io.tessera.tensor.Ops} and
 * tests call it directly. {@link io.tessera.tensor.spi.OpChecks} holds the argument checks of
 * the fused ops that every implementation calls, so all of them refuse the same calls with the
 * same message.
 */
package io.tessera.tensor.spi;
