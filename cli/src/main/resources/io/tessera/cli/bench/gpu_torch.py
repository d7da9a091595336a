"""PyTorch side of `tessera bench gpu`: the same FP32 products and attention on the same CUDA device.
For each size N: torch.matmul of two N x N float32 matrices with TF32 off, then on. Then scaled
dot-product attention forward + backward on (B, H, T, Dh) float32: the same algorithm as Tessera's
kernels (probabilities materialised), and torch's fused scaled_dot_product_attention.
Each figure is the median over 5 trials of the mean time of REPEATS back-to-back calls, timed
with CUDA events after a warm-up. Prints one flat JSON line (times in milliseconds).
Usage: python3 gpu_torch.py SIZES(comma-separated) REPEATS B H T DH
"""
import json
import statistics
import sys

import torch


def timed(fn, repeats):
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    trials = []
    for _ in range(5):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        for _ in range(repeats):
            fn()
        end.record()
        torch.cuda.synchronize()
        trials.append(start.elapsed_time(end) / repeats)
    return statistics.median(trials)


def main():
    sizes = [int(s) for s in sys.argv[1].split(",")]
    repeats, b, h, t, dh = (int(a) for a in sys.argv[2:7])
    dev = torch.device("cuda")
    gen = torch.Generator(device=dev).manual_seed(0)
    out = {"torch": torch.__version__, "device": torch.cuda.get_device_name(0)}
    for n in sizes:
        a = torch.randn(n, n, device=dev, generator=gen)
        bm = torch.randn(n, n, device=dev, generator=gen)
        c = torch.empty(n, n, device=dev)
        for label, tf32 in (("fp32", False), ("tf32", True)):
            torch.backends.cuda.matmul.allow_tf32 = tf32
            out["gemm_%d_%s_ms" % (n, label)] = timed(lambda: torch.matmul(a, bm, out=c), repeats)
        del a, bm, c
    torch.backends.cuda.matmul.allow_tf32 = False
    q, k, v, dout = (torch.randn(b, h, t, dh, device=dev, generator=gen) for _ in range(4))
    for x in (q, k, v):
        x.requires_grad_(True)
    scale = dh ** -0.5

    def manual():
        o = torch.softmax((q @ k.transpose(-2, -1)) * scale, dim=-1) @ v
        o.backward(dout)

    def fused():
        o = torch.nn.functional.scaled_dot_product_attention(q, k, v, scale=scale)
        o.backward(dout)

    def manual_forward():
        with torch.no_grad():
            torch.softmax((q @ k.transpose(-2, -1)) * scale, dim=-1) @ v

    attention_repeats = max(3, repeats // 2)
    out["attention_forward_ms"] = timed(manual_forward, attention_repeats)
    out["attention_ms"] = timed(manual, attention_repeats)
    out["attention_sdpa_ms"] = timed(fused, attention_repeats)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
