"""Golden file for float16: PyTorch's float32 -> float16 rounding on chosen and random values, and
one MAE step under an emulation of CUDA's float16 autocast with GradScaler-style loss scaling.

Run:  /usr/bin/python3 tests/reference/make_golden_fp16.py   (after make_golden_mae.py)

Writes tests/reference/golden/fp16.safetensors; float16 values are stored widened to float32 (F32).

torch 1.13 on the CPU has no float16 autocast and no float16 matmul, so the step runs in float32
tensors holding float16 values, rounded (t.half().float(), round to nearest even) exactly where
CUDA's fp16 autocast rounds. R below is that rounding as an autograd Function: forward round16(x),
backward round16(g).
  * Every nn.Linear and the patch-embedding Conv2d (kernel = stride = patch, computed as a linear on
    the patches, whose weight gradient is the conv's): R(F.linear(R(x), R(W), R(b))) in float32.
    Forward: x, W, b rounded, products summed in float32 onto the bias, output rounded. Backward:
    the incoming gradient rounded, dX = g16 @ W16, dW = g16^T @ x16, db = sum of rows of g16 with
    float32 sums, each rounded to float16 before autograd adds it into float32 gradients.
  * Attention: q, k, v (float16 values out of qkv) rounded again (idempotent), scores q.k^T*scale,
    softmax and P.V in float32, output rounded; backward rounds the incoming gradient, runs the
    float32 attention backward and rounds dq, dk, dv -- a fused fp16 attention kernel.
  * LayerNorm, GELU, residual adds, concatenations and the loss in float32. (GELU in fp16 on CUDA
    gives the same values: its input and output are already rounded by the linears around it.)
  * Loss scaling as torch.cuda.amp.GradScaler: backward of float32 loss * scale (init_scale 2**16),
    found_inf = any non-finite scaled gradient, unscaled gradient = grad * float32(1/scale) with
    1/scale computed in double, as scale.double().reciprocal().float().
mae.* is the step with scale 65536; pe.out the patch embedding of the same images (the first rounded
layer, before any float32 sum order can move a value across a float16 rounding boundary downstream).
The generator also runs the step with scale 1 (no loss scaling) and prints how it differs. A
power-of-two scale is exact, so the two differ only where an unscaled float16 gradient is subnormal
(below 2**-14, fewer bits) or flushes to zero (below 2**-25). At this tiny size that is a small
effect: about 17% of the unscaled gradients at the linears' outputs are subnormal, mae1.grad differs
from mae.grad by ~3e-4 (normwise), it has 15 exactly-zero entries against 5 (all but one in the key
part of qkv.bias, whose exact gradient is zero since softmax ignores a shift), and both are ~1e-3
from the float32 gradients, the unscaled ones no further than the scaled. No scaled gradient
overflows (found_inf 0). The generator prints these counts and differences.
The emulation is bound to this script's model instances only; no class is patched.

How far apart two correct fp16 steps can be: float32 sums taken in another order move a value that
lies next to a float16 rounding boundary by one float16 step (2**-11 relative, eight times finer than
bfloat16's), and attention and LayerNorm carry such a step into many later values. Computing only
the LayerNorms in float64 (a change of ~1e-7 in their outputs) moves this script's own step by
4.9e-5 in the loss, 6.0e-4 (normwise) in the prediction, 4.1e-4 in the latent and up to 1.2e-3 in
a gradient; the float32 step is about as far. A comparison of the whole step therefore checks the
rounding points only to that level; pe.out checks the first layer's rounding exactly.
"""
import os
import types

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from make_golden_bf16 import CFG, load
from mae_reference import MaskedAutoencoderViT
from st_write import save

HERE = os.path.dirname(os.path.abspath(__file__))
SCALE = 65536.0


def cast_cases():
    f32 = lambda v: float(np.float32(v))
    up = lambda v: float(np.nextafter(np.float32(v), np.float32(np.inf)))
    dn = lambda v: float(np.nextafter(np.float32(v), np.float32(-np.inf)))
    special = [0.0, -0.0, 1.0, -1.0, 1 + 2 ** -11, 1 + 3 * 2 ** -11, -(1 + 2 ** -11), -(1 + 3 * 2 ** -11),  # ties
               up(1 + 2 ** -11), dn(1 + 3 * 2 ** -11),
               65504.0, f32(65519.996), dn(65520.0), 65520.0, up(65504.0), 65536.0, 1e5, -65520.0,  # max, overflow
               float("inf"), float("-inf"),
               2 ** -24, dn(2 ** -24), up(2 ** -24), 2 ** -25, up(2 ** -25), dn(2 ** -25),  # subnormals
               3 * 2 ** -25, 5 * 2 ** -25, 2 ** -14, dn(2 ** -14), up(2 ** -14), 2 ** -14 - 2 ** -25, -2 ** -24,
               0.1, 1.0 / 3.0, 1e-8, -1e-8, 1e-40, -1e-40, 1.4e-45, 2.0 ** -126, 1.17549435e-38]
    x = torch.tensor(special, dtype=torch.float32)
    # floats whose low 13 bits are exactly 0x1000 (ties) or next to it, exponents in float16's normal range
    g = torch.Generator().manual_seed(78)
    e = torch.randint(113, 143, (256,), generator=g, dtype=torch.int32) << 23
    m = torch.randint(0, 1024, (256,), generator=g, dtype=torch.int32) << 13
    lows = torch.tensor([0x0FFF, 0x1000, 0x1001, 0x0000, 0x1FFF], dtype=torch.int32)
    ties = ((e | m).reshape(-1, 1) | lows.reshape(1, -1)).reshape(-1).view(torch.float32)
    rnd = torch.randn(4096, generator=g) * torch.exp(torch.randn(4096, generator=g) * 4)
    x = torch.cat([x, ties, -ties, rnd])
    h = x.half().float()
    with np.errstate(over="ignore"):  # numpy agrees (values past 65520 go to inf on purpose)
        h_np = torch.from_numpy(x.numpy().astype(np.float16).astype(np.float32))
    assert torch.equal(h.view(torch.int32), h_np.view(torch.int32))
    assert not torch.isnan(x).any()
    return x, h


class R(torch.autograd.Function):
    """Rounding to float16 (held in float32): forward round16(x), backward round16(g)."""

    @staticmethod
    def forward(ctx, x):
        return x.half().float()

    @staticmethod
    def backward(ctx, g):
        return g.half().float()


def linear16(x, w, b):
    return R.apply(F.linear(R.apply(x), R.apply(w), None if b is None else R.apply(b)))


def linear_fp16(self, x):
    return linear16(x, self.weight, self.bias)


def patch_embed_fp16(self, x):
    n, c, h, w = x.shape
    p = self.proj.kernel_size[0]
    patches = x.reshape(n, c, h // p, p, w // p, p).permute(0, 2, 4, 1, 3, 5).reshape(n, (h // p) * (w // p), c * p * p)
    return linear16(patches, self.proj.weight.reshape(self.proj.out_channels, -1), self.proj.bias)


def attention_fp16(self, x):
    b, n, c = x.shape
    qkv = self.qkv(x).reshape(b, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
    q, k, v = R.apply(qkv[0]), R.apply(qkv[1]), R.apply(qkv[2])
    s = (q @ k.transpose(-2, -1)) * self.scale
    o = R.apply(s.softmax(dim=-1) @ v)
    return self.proj(o.transpose(1, 2).reshape(b, n, c))


def make_model(g, emulate):
    model = MaskedAutoencoderViT(norm_pix_loss=True, **CFG)
    model.load_state_dict({k[len("weights."):]: v.float() for k, v in g.items() if k.startswith("weights.")})
    if emulate:
        for mod in model.modules():
            if isinstance(mod, nn.Linear):
                mod.forward = types.MethodType(linear_fp16, mod)
            elif hasattr(mod, "qkv"):
                mod.forward = types.MethodType(attention_fp16, mod)
        pe = model.patch_embed
        ref = pe(g["input.imgs"].float())
        pe.forward = types.MethodType(patch_embed_fp16, pe)
        with torch.no_grad():  # the patch layout: unrounded, the patchified linear is the convolution
            p = pe.proj.kernel_size[0]
            x = g["input.imgs"].float()
            n, c, h, w = x.shape
            patches = x.reshape(n, c, h // p, p, w // p, p).permute(0, 2, 4, 1, 3, 5).reshape(n, -1, c * p * p)
            lin = F.linear(patches, pe.proj.weight.reshape(pe.proj.out_channels, -1), pe.proj.bias)
            assert torch.allclose(lin, ref, atol=1e-5, rtol=1e-5)
    return model


def step(g, scale, emulate=True):
    model = make_model(g, emulate)
    loss, pred, mask, latent, _ = model(g["input.imgs"].float(), g["input.noise"].float())
    (loss * scale).backward()
    params = [(k, p) for k, p in model.named_parameters() if p.requires_grad]
    found_inf = any(not torch.isfinite(p.grad).all() for _, p in params)
    inv = torch.tensor(scale, dtype=torch.float64).reciprocal().float()
    grads = {k: p.grad.detach() * inv for k, p in params}
    return loss.detach(), pred.detach(), latent.detach(), grads, found_inf


def flat(grads):
    return torch.cat([v.reshape(-1).double() for v in grads.values()])


def main():
    torch.set_default_dtype(torch.float32)
    out = {}
    out["cast.f32"], out["cast.f16"] = cast_cases()

    g = load(os.path.join(HERE, "golden", "mae_tiny.safetensors"))
    loss, pred, latent, grads, found_inf = step(g, SCALE)
    _, _, _, grads1, found_inf1 = step(g, 1.0)
    _, _, _, grads32, _ = step(g, 1.0, emulate=False)
    out["mae.loss"] = loss.float().reshape(1)
    out["mae.pred"] = pred.float()
    out["mae.latent"] = latent.float()
    out["mae.scale"] = torch.tensor([SCALE], dtype=torch.float32)
    out["mae.found_inf"] = torch.tensor([1.0 if found_inf else 0.0], dtype=torch.float32)
    for k, v in grads.items():
        out["mae.grad." + k] = v
    with torch.no_grad():
        out["pe.out"] = make_model(g, True).patch_embed(g["input.imgs"].float())

    path = os.path.join(HERE, "golden", "fp16.safetensors")
    save(path, out, {"generator": "tests/reference/make_golden_fp16.py", "torch": torch.__version__,
                     "emulation": "float16 autocast emulated in float32 tensors: linears and patch conv round x, W, b, "
                                  "output and their gradients to float16; attention rounds q, k, v, output, dq, dk, dv; "
                                  "softmax, LayerNorm, residuals and loss in float32",
                     "scale": SCALE,
                     "mae": "weights and inputs of mae_tiny.safetensors in float32, norm_pix_loss, mask_ratio 0.75"})
    f, f1, f32 = flat(grads), flat(grads1), flat(grads32)
    rel = lambda a, b: ((a - b).norm() / b.norm()).item()
    print("wrote", path, "tensors", len(out), "loss", loss.item())
    print("scale %g: found_inf %s, zero grad entries %d of %d, rel diff to float32 %.3e"
          % (SCALE, found_inf, int((f == 0).sum()), f.numel(), rel(f, f32)))
    print("scale 1: found_inf %s, zero grad entries %d of %d, rel diff to float32 %.3e"
          % (found_inf1, int((f1 == 0).sum()), f1.numel(), rel(f1, f32)))
    print("float32: zero grad entries %d; |mae1.grad - mae.grad| / |mae.grad| = %.3e" % (int((f32 == 0).sum()), rel(f1, f)))
    for k in grads:
        z, z1 = int((grads[k] == 0).sum()), int((grads1[k] == 0).sum())
        if z != z1:
            print("  %-40s zeros %d (scaled) vs %d (unscaled) of %d" % (k, z, z1, grads[k].numel()))


if __name__ == "__main__":
    main()
