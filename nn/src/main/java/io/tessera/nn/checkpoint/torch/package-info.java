/**
 * PyTorch checkpoints without Python. {@link io.tessera.nn.checkpoint.torch.TorchCheckpoint#read}
 * reads {@code .pth}/{@code .pt} files of both {@code torch.save} formats (the zip archive of torch
 * 1.6+, byte order from {@code archive/byteorder}, and the legacy format) through a restricted
 * unpickler that allows what {@code torch.load(..., weights_only=True)} allows for dense tensors —
 * {@code collections.OrderedDict}, {@code torch._utils._rebuild_tensor_v2} and the parameter
 * rebuilds, typed storages by persistent id, {@code torch.Size}, dtypes, numbers, strings, tuples,
 * lists and dicts — and refuses any other global or object-building opcode with an
 * {@link io.tessera.nn.checkpoint.UnsafePickleException} naming it. Nothing named in a file is
 * looked up, instantiated or run. Views (offset, size, stride) are checked against their storages
 * and materialised contiguous; every size is bounded before it is allocated.
 * {@link io.tessera.nn.checkpoint.torch.TorchCheckpoint#write} writes state dicts of tensors in the
 * zip format. Models load a file's state dict through {@link io.tessera.nn.checkpoint.StateDict}
 * and {@link io.tessera.nn.checkpoint.StoreCheckpoint}.
 */
package io.tessera.nn.checkpoint.torch;
