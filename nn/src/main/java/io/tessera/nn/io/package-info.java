/**
 * File writing shared by every module above {@code tensor}: {@link io.tessera.nn.io.AtomicFiles},
 * the single atomic write (temporary file, fsync, rename, directory fsync) that checkpoints,
 * sidecars and reports go through.
 */
package io.tessera.nn.io;
