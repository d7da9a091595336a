"""PyTorch side of `tessera bench pretrain`: the same MAE step (by default ViT-Tiny encoder 192x12x3 at
32x32 with patch 4, decoder 128x4x4, mask 0.75, norm-pix, AdamW) on the CPU or a CUDA device; on CUDA
each step ends with a synchronisation, as on the Tessera side.
Prints one JSON line: {"images_per_s": ..., "peak_rss_mb": ..., "peak_device_mb": ..., "torch": ..., "device": ...}.
Usage: python3 pretrain_torch.py THREADS STEPS WARMUP [DEVICE [BATCH [PRECISION [MODEL]]]]   (DEVICE cpu or cuda:N,
BATCH 64 by default, PRECISION fp32 (default), tf32 (fp32 with TF32 matrix products and convolutions on CUDA),
bf16 (the forward pass under torch.autocast with bfloat16, PyTorch's policy for the device) or fp16 (autocast with
float16 and a GradScaler, as MAE's engine; refused where the device's autocast does not take float16); MODEL "image,patch,channels,width,depth,heads,dwidth,ddepth,dheads,mask_ratio", by default
"32,4,3,192,12,3,128,4,4,0.75"; MLP ratio 4, qkv bias, LayerNorm eps 1e-6)
"""
import ctypes
import json
import sys
import time
import warnings

import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(d, eps=1e-6), nn.LayerNorm(d, eps=1e-6)
        self.qkv, self.proj, self.h = nn.Linear(d, 3 * d), nn.Linear(d, d), h
        self.fc1, self.fc2, self.act = nn.Linear(d, 4 * d), nn.Linear(4 * d, d), nn.GELU()

    def forward(self, x):
        b, n, c = x.shape
        q, k, v = self.qkv(self.norm1(x)).reshape(b, n, 3, self.h, c // self.h).permute(2, 0, 3, 1, 4)
        a = ((q @ k.transpose(-2, -1)) * (c // self.h) ** -0.5).softmax(-1)
        x = x + self.proj((a @ v).transpose(1, 2).reshape(b, n, c))
        return x + self.fc2(self.act(self.fc1(self.norm2(x))))


class Mae(nn.Module):
    def __init__(self, img=32, p=4, c=3, d=192, depth=12, h=3, dd=128, ddepth=4, dh=4, mask_ratio=0.75):
        super().__init__()
        self.p, self.c, self.g, self.L = p, c, img // p, (img // p) ** 2
        self.keep = int(self.L * (1 - mask_ratio))
        self.patch = nn.Conv2d(c, d, p, p)
        self.cls = nn.Parameter(torch.zeros(1, 1, d))
        self.pos = nn.Parameter(torch.zeros(1, self.L + 1, d), requires_grad=False)
        self.blocks = nn.ModuleList([Block(d, h) for _ in range(depth)])
        self.norm = nn.LayerNorm(d, eps=1e-6)
        self.dembed = nn.Linear(d, dd)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, dd))
        self.dpos = nn.Parameter(torch.zeros(1, self.L + 1, dd), requires_grad=False)
        self.dblocks = nn.ModuleList([Block(dd, dh) for _ in range(ddepth)])
        self.dnorm, self.pred = nn.LayerNorm(dd, eps=1e-6), nn.Linear(dd, p * p * c)

    def forward(self, imgs):
        n = imgs.shape[0]
        x = self.patch(imgs).flatten(2).transpose(1, 2) + self.pos[:, 1:]
        keep = self.keep
        ids_shuffle = torch.argsort(torch.rand(n, self.L, device=imgs.device), dim=1)
        ids_restore = torch.argsort(ids_shuffle, dim=1)
        x = torch.gather(x, 1, ids_shuffle[:, :keep, None].repeat(1, 1, x.shape[2]))
        x = torch.cat([(self.cls + self.pos[:, :1]).expand(n, -1, -1), x], 1)
        for b in self.blocks:
            x = b(x)
        x = self.dembed(self.norm(x))
        xs = torch.cat([x[:, 1:], self.mask_token.repeat(n, self.L - keep, 1)], 1)
        xs = torch.gather(xs, 1, ids_restore[:, :, None].repeat(1, 1, x.shape[2]))
        x = torch.cat([x[:, :1], xs], 1) + self.dpos
        for b in self.dblocks:
            x = b(x)
        pred = self.pred(self.dnorm(x))[:, 1:]
        g, p = self.g, self.p
        t = imgs.reshape(n, self.c, g, p, g, p).permute(0, 2, 4, 3, 5, 1).reshape(n, self.L, -1)
        t = (t - t.mean(-1, keepdim=True)) / (t.var(-1, keepdim=True) + 1e-6) ** .5
        mask = torch.ones(n, self.L, device=imgs.device)
        mask[:, :keep] = 0
        mask = torch.gather(mask, 1, ids_restore)
        return (((pred - t) ** 2).mean(-1) * mask).sum() / mask.sum()


def reference_info(device):
    """What a benchmark line must name: torch's version, its BLAS, the OpenBLAS core in use, threads, device."""
    config = torch.__config__.show()
    blas = next((part.split("=")[1] for line in config.splitlines() for part in line.replace(",", " ").split()
                 if part.startswith("BLAS_INFO=")), "unknown")
    core = "n/a"
    for lib in ("libblas.so.3", "libopenblas.so.0"):
        try:
            f = ctypes.CDLL(lib).openblas_get_corename
            f.restype = ctypes.c_char_p
            core = f().decode()
            break
        except (OSError, AttributeError):
            continue
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    return {"torch": torch.__version__, "blas": blas, "blas_core": core, "threads": str(torch.get_num_threads()), "device": name}


def main():
    threads, steps, warmup = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    device = torch.device(sys.argv[4] if len(sys.argv) > 4 else "cpu")
    batch = int(sys.argv[5]) if len(sys.argv) > 5 else 64
    precision = sys.argv[6] if len(sys.argv) > 6 else "fp32"
    half = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(precision)
    if precision == "tf32":  # otherwise PyTorch's defaults stay (float32 matmul, cuDNN's own TF32 setting)
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    dims = (sys.argv[7] if len(sys.argv) > 7 else "32,4,3,192,12,3,128,4,4,0.75").split(",")
    img, p, c, d, depth, h, dd, ddepth, dh = (int(v) for v in dims[:9])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = Mae(img, p, c, d, depth, h, dd, ddepth, dh, float(dims[9])).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, betas=(0.9, 0.95), weight_decay=0.05)
    imgs = torch.randn(batch, c, img, img, device=device)

    scaler = None
    if precision == "fp16":
        with warnings.catch_warnings():  # an autocast without float16 warns and disables itself, or raises
            warnings.simplefilter("ignore")
            try:
                with torch.autocast(device.type, dtype=torch.float16):
                    on = torch.is_autocast_enabled() if device.type == "cuda" else torch.is_autocast_cpu_enabled()
            except RuntimeError:
                on = False
        if not on:
            sys.exit("PyTorch %s has no float16 autocast on %s" % (torch.__version__, device.type))
        scaler = torch.amp.GradScaler(device.type) if hasattr(torch.amp, "GradScaler") else torch.cuda.amp.GradScaler()

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()

    for i in range(warmup + steps):
        if i == warmup:
            start = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        with torch.autocast(device.type, dtype=half or torch.bfloat16, enabled=half is not None):
            loss = model(imgs)
        if scaler is None:
            loss.backward()
            opt.step()
        else:
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
        sync()
    secs = time.perf_counter() - start
    # VmHWM is this process's own high-water mark; ru_maxrss would include the parent's RSS at fork/exec.
    with open("/proc/self/status") as f:
        hwm = next(int(l.split()[1]) for l in f if l.startswith("VmHWM:"))
    peak_device = torch.cuda.max_memory_allocated(device) / 2 ** 20 if device.type == "cuda" else 0
    result = {"images_per_s": batch * steps / secs, "peak_rss_mb": hwm / 1024, "peak_device_mb": peak_device,
              "precision": {"bf16": "bf16 autocast", "fp16": "fp16 autocast, GradScaler", "tf32": "fp32, TF32 matmul"}.get(precision, "fp32")}
    result.update(reference_info(device))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
