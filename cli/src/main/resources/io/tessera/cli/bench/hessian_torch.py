"""PyTorch side of `tessera bench hessian`: Hessian-vector products of the MAE ViT-Tiny loss of
`tessera bench pretrain` (the model of pretrain_torch.py, which must sit beside this file) by double
backward, as PyHessian computes them: g = autograd.grad(loss, params, create_graph=True), then
Hv = autograd.grad(g, params, grad_outputs=v). Times a gradient (forward + backward), a full
product (forward + differentiable gradient + second backward) and a product on a kept graph
(the second backward alone, retain_graph=True).
Prints one JSON line with milliseconds per operation, torch's version, BLAS and threads.
Usage: python3 hessian_torch.py THREADS REPEATS WARMUP [DEVICE [BATCH]]
"""
import json
import sys
import time

import torch

from pretrain_torch import Mae, reference_info


def main():
    threads, repeats, warmup = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    device = torch.device(sys.argv[4] if len(sys.argv) > 4 else "cpu")
    batch = int(sys.argv[5]) if len(sys.argv) > 5 else 64
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = Mae().to(device)
    model.eval()
    params = [p for p in model.parameters() if p.requires_grad]
    imgs = torch.randn(batch, 3, 32, 32, device=device)
    v = [torch.randn_like(p) for p in params]

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()

    def timed(fn):
        for _ in range(warmup):
            fn()
        sync()
        t0 = time.perf_counter()
        for _ in range(repeats):
            fn()
        sync()
        return (time.perf_counter() - t0) / repeats * 1e3

    def gradient():
        torch.autograd.grad(model(imgs), params)

    def full_product():
        g = torch.autograd.grad(model(imgs), params, create_graph=True)
        torch.autograd.grad(g, params, grad_outputs=v)

    g_kept = torch.autograd.grad(model(imgs), params, create_graph=True)

    def kept_product():
        torch.autograd.grad(g_kept, params, grad_outputs=v, retain_graph=True)

    ms = {"gradient_ms": timed(gradient), "hvp_ms": timed(full_product), "hvp_kept_ms": timed(kept_product)}
    with open("/proc/self/status") as f:
        hwm = next(int(l.split()[1]) for l in f if l.startswith("VmHWM:"))
    ms.update({"peak_rss_mb": hwm / 1024, "parameters": sum(p.numel() for p in params)})
    ms.update(reference_info(device))
    print(json.dumps(ms))


if __name__ == "__main__":
    main()
