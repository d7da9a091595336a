"""Golden file for bfloat16: PyTorch's float32 -> bfloat16 rounding on chosen and random values, and
one MAE step under bf16 autocast (the CUDA autocast policy, run on the CPU).

Run:  /usr/bin/python3 tests/reference/make_golden_bf16.py   (after make_golden_mae.py)

The MAE part starts from mae_tiny.safetensors (its float64 weights, inputs and noise, rounded to
float32) so that the bf16 step and the float32 one share every input. The model runs under
torch.autocast("cpu", dtype=torch.bfloat16): linear layers and the patch-embedding convolution in
bf16 with float32 sums, LayerNorm, residual adds, concatenations and the loss in float32. Attention
follows CUDA's policy instead of the CPU one (which would also run softmax in bf16): q, k and v come
out of the qkv layer in bf16, scores, softmax and the sums of P.V run in float32, and the output is
rounded to bf16 -- what a fused bf16 attention kernel computes. Gradients are those of the float32
master weights after backward (outside autocast, as torch.cuda.amp does).
"""
import json
import os
import struct

import numpy as np
import torch

import mae_reference
from mae_reference import MaskedAutoencoderViT
from st_write import save

HERE = os.path.dirname(os.path.abspath(__file__))
CFG = dict(img_size=16, patch_size=4, in_chans=3, embed_dim=32, depth=2, num_heads=4,
           decoder_embed_dim=24, decoder_depth=1, decoder_num_heads=3)


def load(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        a, b = e["data_offsets"]
        dt = {"F64": np.float64, "F32": np.float32, "I64": np.int64, "I32": np.int32}[e["dtype"]]
        out[name] = torch.from_numpy(np.frombuffer(data[a:b], dtype=dt).copy()).reshape(e["shape"])
    return out


def cast_cases():
    special = [0.0, -0.0, 1.0, -1.0, 1.00390625, 1.01171875, 1.0078125, -1.00390625,  # ties to even both ways
               3.3895314e38, 3.3961776e38, 3.4028235e38, float("inf"), float("-inf"),   # max, overflow, inf
               1e-40, -1e-40, 1.1754942e-38, 1.17549435e-38, 5.877472e-39, 1.4e-45,      # subnormals
               0.1, 1.0 / 3.0, 65504.0, 2.0 ** -126, 2.0 ** -133]
    x = torch.tensor(special, dtype=torch.float32)
    # floats whose low 16 bits are exactly 0x8000 (ties) or next to it, with random high bits
    g = torch.Generator().manual_seed(77)
    hi = torch.randint(0, 0x7F7F, (256,), generator=g, dtype=torch.int32) << 16
    lows = torch.tensor([0x7FFF, 0x8000, 0x8001, 0x0000, 0xFFFF], dtype=torch.int32)
    ties = (hi.reshape(-1, 1) | lows.reshape(1, -1)).reshape(-1).view(torch.float32)
    rnd = torch.randn(4096, generator=g) * torch.exp(torch.randn(4096, generator=g) * 8)
    x = torch.cat([x, ties, -ties, rnd])
    return x, x.bfloat16()


def attention_bf16(self, x):
    b, n, c = x.shape
    qkv = self.qkv(x).reshape(b, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
    q, k, v = qkv[0], qkv[1], qkv[2]
    with torch.autocast("cpu", enabled=False):
        s = (q.float() @ k.float().transpose(-2, -1)) * self.scale
        o = (s.softmax(dim=-1) @ v.float()).to(torch.bfloat16)
    return self.proj(o.transpose(1, 2).reshape(b, n, c))


def main():
    out = {}
    x, h = cast_cases()
    out["cast.f32"] = x
    out["cast.bf16"] = h

    g = load(os.path.join(HERE, "golden", "mae_tiny.safetensors"))
    torch.set_default_dtype(torch.float32)
    model = MaskedAutoencoderViT(norm_pix_loss=True, **CFG)
    model.load_state_dict({k[len("weights."):]: v.float() for k, v in g.items() if k.startswith("weights.")})
    mae_reference.Attention.forward = attention_bf16
    imgs, noise = g["input.imgs"].float(), g["input.noise"].float()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        loss, pred, mask, latent, _ = model(imgs, noise)
    loss.backward()
    out["mae.loss"] = loss.detach().float().reshape(1)
    out["mae.pred"] = pred.detach().float()
    out["mae.latent"] = latent.detach().float()
    for k, p in model.named_parameters():
        if p.requires_grad:
            out["mae.grad." + k] = p.grad.detach().clone()

    path = os.path.join(HERE, "golden", "bf16.safetensors")
    save(path, out, {"generator": "tests/reference/make_golden_bf16.py", "torch": torch.__version__,
                     "autocast": "cpu bfloat16, attention as a fused bf16 kernel (float32 softmax)",
                     "mae": "weights and inputs of mae_tiny.safetensors in float32, norm_pix_loss, mask_ratio 0.75"})
    print("wrote", path, "loss", loss.item(), "pred dtype", pred.dtype)


if __name__ == "__main__":
    main()
