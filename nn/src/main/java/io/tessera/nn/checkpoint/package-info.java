/**
 * Checkpoint files: safetensors read and write with full header validation and atomic writes,
 * and the small JSON codec used by headers and sidecars.
 */
package io.tessera.nn.checkpoint;
