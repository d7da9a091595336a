"""Golden file for LUT's teacher-momentum schedule as the official training loop indexes it.

Run with Debian's PyTorch:  /usr/bin/python3 tests/reference/make_golden_lut_momentum.py
Writes tests/reference/golden/lut_momentum.safetensors (torch version in its metadata).
Restates naver-ai/lut: util/augs.py cosine_scheduler(base, 1, epochs, len(loader)) (no warm-up) and
engines/engine_lut.py, where the EMA update after micro-batch data_iter_step of epoch e happens when
(data_iter_step + 1) % accum_iter == 0 with index it = len(loader) * e + data_iter_step. The official
loop also visits the micro-batches of an incomplete last accumulation window, which Tessera drops, but
never updates on them, so the update indices are the same; two of the cases have such windows.
"""
import math
import os

import torch

from st_write import save

M0 = 0.996
CASES = [(3, 4, 1), (2, 5, 2), (2, 7, 3)]  # (epochs, micro-batches per epoch, accumulation)


def cosine_scheduler(base_value, final_value, epochs, niter_per_ep):
    iters = torch.arange(epochs * niter_per_ep, dtype=torch.float64)
    return final_value + 0.5 * (base_value - final_value) * (1 + torch.cos(math.pi * iters / len(iters)))


def updates(epochs, niter, accum):
    schedule = cosine_scheduler(M0, 1.0, epochs, niter)
    its, momenta = [], []
    for epoch in range(epochs):
        for data_iter_step in range(niter - niter % accum):  # the incomplete last window is dropped
            if (data_iter_step + 1) % accum == 0:
                it = niter * epoch + data_iter_step
                its.append(it)
                momenta.append(schedule[it].item())
    return torch.tensor(its, dtype=torch.int64), torch.tensor(momenta, dtype=torch.float64)


def main():
    out = {}
    for epochs, niter, accum in CASES:
        its, momenta = updates(epochs, niter, accum)
        key = "e%d_n%d_a%d" % (epochs, niter, accum)
        out[key + ".it"] = its
        out[key + ".momentum"] = momenta
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden", "lut_momentum.safetensors")
    save(path, out, {"generator": "tests/reference/make_golden_lut_momentum.py", "torch": torch.__version__, "m0": M0,
                     "cases": " ".join("%d,%d,%d" % c for c in CASES)})
    print("wrote", path)


if __name__ == "__main__":
    main()
