"""PyTorch side of `tessera bench landscape`: a 2-D loss landscape of the MAE ViT-Tiny pre-training loss
of `tessera bench pretrain` (the model of pretrain_torch.py, which must sit beside this file), the way
loss-landscape evaluates one: two random directions, filter-normalised with biases and norms ignored,
the weights set to w + a*dx + b*dy at every point, the loss over the images under torch.no_grad() in
eval mode, the same masking noise at every point (the generator is reseeded per point).
Prints one JSON line with points per second, torch's version, BLAS and threads.
Usage: python3 landscape_torch.py THREADS NX NY IMAGES BATCH [DEVICE]
"""
import json
import sys
import time

import torch

from pretrain_torch import Mae, reference_info


def normalized_direction(params, gen):
    out = []
    for p in params:
        d = torch.randn(p.shape, generator=gen).to(p.device)
        if d.dim() <= 1:
            d.zero_()
        else:
            for di, wi in zip(d, p.detach()):
                di.mul_(wi.norm() / (di.norm() + 1e-10))
        out.append(d)
    return out


def main():
    threads, nx, ny, images, batch = (int(a) for a in sys.argv[1:6])
    device = torch.device(sys.argv[6] if len(sys.argv) > 6 else "cpu")
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = Mae().to(device)
    model.eval()
    params = [p for p in model.parameters() if p.requires_grad]
    weights = [p.detach().clone() for p in params]
    gen = torch.Generator().manual_seed(123)
    dx, dy = normalized_direction(params, gen), normalized_direction(params, gen)
    data = torch.randn(images, 3, 32, 32, device=device)
    xs, ys = torch.linspace(-1, 1, nx), torch.linspace(-1, 1, ny)

    def point(a, b):
        with torch.no_grad():
            for p, w, u, v in zip(params, weights, dx, dy):
                p.copy_(w + a * u + b * v)
            torch.manual_seed(7)  # the same masks at every point
            total = 0.0
            for i in range(0, images, batch):
                total += model(data[i:i + batch]).item() * min(batch, images - i)
            return total / images

    point(0.0, 0.0)  # warm-up
    t0 = time.perf_counter()
    for b in ys:
        for a in xs:
            point(float(a), float(b))
    secs = time.perf_counter() - t0
    with open("/proc/self/status") as f:
        hwm = next(int(l.split()[1]) for l in f if l.startswith("VmHWM:"))
    result = {"points_per_s": nx * ny / secs, "peak_rss_mb": hwm / 1024}
    result.update(reference_info(device))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
