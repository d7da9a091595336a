/**
 * Checkpoint files: safetensors read and write with full header validation and atomic writes,
 * training checkpoints (weights + JSON sidecar) whose every load verifies the weights' SHA-256
 * and refuses non-finite values unless told otherwise ({@link io.tessera.nn.checkpoint.NonFinite}),
 * state dicts of safetensors and PyTorch files loaded with PyTorch's strict and non-strict semantics
 * ({@link io.tessera.nn.checkpoint.StateDict}, {@link io.tessera.nn.checkpoint.LoadReport}), and the
 * small JSON codec used by headers and sidecars.
 */
package io.tessera.nn.checkpoint;
