"""Golden trajectories of torch.optim.AdamW and torch.optim.SGD(momentum) for the update kernels.

Run:  /usr/bin/python3 tests/reference/make_golden_optim.py
Writes tests/reference/golden/optim.safetensors. Float64 throughout, so the comparison tests
the formula, not float rounding.
"""
import os

import torch

from st_write import save

SEED = 7


def main():
    g = torch.Generator().manual_seed(SEED)
    p0 = torch.randn(37, generator=g, dtype=torch.float64)
    grads = torch.randn(4, 37, generator=g, dtype=torch.float64)
    out = {"p0": p0, "grads": grads}

    p = p0.clone().requires_grad_(True)
    opt = torch.optim.AdamW([p], lr=1e-2, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.05)
    traj = []
    for k in range(4):
        p.grad = grads[k].clone()
        opt.step()
        traj.append(p.detach().clone())
    out["adamw"] = torch.stack(traj)

    p = p0.clone().requires_grad_(True)
    opt = torch.optim.SGD([p], lr=0.1, momentum=0.9, weight_decay=1e-4)
    traj = []
    for k in range(4):
        p.grad = grads[k].clone()
        opt.step()
        traj.append(p.detach().clone())
    out["sgd"] = torch.stack(traj)

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden", "optim.safetensors")
    save(path, out, {"generator": "tests/reference/make_golden_optim.py", "torch": torch.__version__, "seed": SEED,
                     "adamw": "lr=1e-2 betas=(0.9,0.95) eps=1e-8 wd=0.05", "sgd": "lr=0.1 momentum=0.9 wd=1e-4"})
    print("wrote", path)


if __name__ == "__main__":
    main()
