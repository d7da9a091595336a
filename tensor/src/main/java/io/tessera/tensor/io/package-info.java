/**
 * File writing shared by every module: {@link io.tessera.tensor.io.AtomicFiles}, the single
 * atomic write (temporary file, fsync, rename, directory fsync) that checkpoints, sidecars,
 * reports and the GPU program cache go through. It lives in {@code tensor}, the module every
 * other one (including {@code gpu-tasks}) depends on.
 */
package io.tessera.tensor.io;
