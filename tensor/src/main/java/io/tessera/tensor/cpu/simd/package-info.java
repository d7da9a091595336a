/**
 * Vector API kernels for F32, one op family per class. The only package that imports
 * {@code jdk.incubator.vector}. Loops are width-agnostic with a scalar tail; parallel loops use
 * fixed chunk boundaries so results do not depend on the thread count.
 */
package io.tessera.tensor.cpu.simd;
