/**
 * The backend service-provider interface: the kernel contract that the CPU reference, the CPU
 * Vector API backend and the GPU backends implement. Only {@link io.tessera.tensor.Ops} and
 * tests call it directly.
 */
package io.tessera.tensor.spi;
