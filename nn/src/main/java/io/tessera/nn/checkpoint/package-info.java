/**
 * Checkpoint files: safetensors read and write with full header validation and atomic writes,
 * training checkpoints (weights + JSON sidecar) whose every load verifies the weights' SHA-256
 * and refuses non-finite values unless told otherwise ({@link io.tessera.nn.checkpoint.NonFinite}),
 * state dicts of safetensors and PyTorch files loaded with PyTorch's strict and non-strict semantics
 * ({@link io.tessera.nn.checkpoint.StateDict}, {@link io.tessera.nn.checkpoint.LoadReport}), and the
 * small JSON codec used by headers and sidecars. Records read their sidecar form back through
 * {@link io.tessera.nn.checkpoint.JsonFields}: typed and bounded, so an integer field holding 32.5 or
 * 10¹² is refused with the file and the field named, never truncated. One strict, fuzz-tested parser
 * for every sidecar, and explicit reads with the bounds each record needs, are why no data-binding
 * library (such as jackson-jr) is used: binding would add a second parser and dependency, and the
 * integer, range and consistency checks would still have to be written for each record.
 */
package io.tessera.nn.checkpoint;
