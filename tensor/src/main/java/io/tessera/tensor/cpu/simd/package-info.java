/**
 * Vector API kernels for F32, one op family per class. The only package that imports
 * {@code jdk.incubator.vector}. Loops are width-agnostic with a scalar tail; parallel loops use
 * fixed chunk boundaries so results do not depend on the thread count. The vector loops of each
 * family live in a {@code *Loops} class that {@code WidthCopies}
 * defines once per width, so that the species is a constant and vectors stay in registers.
 */
package io.tessera.tensor.cpu.simd;
