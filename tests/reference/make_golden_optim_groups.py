"""Golden trajectories for optimizers over parameter groups, as the official recipes build them.

AdamW: MAE's two groups (timm add_weight_decay: no decay for 1-D tensors and biases, so a
(1, 1, D) cls token is decayed). LARS: a restatement of MAE's util/lars.py (MoCo v3 variant), alone and driving MAE's linear-probe head
(BatchNorm1d without affine + Linear, cross-entropy, per-iteration warm-up + cosine; probe_lars.safetensors).
Run:  /usr/bin/python3 tests/reference/make_golden_optim_groups.py
"""
import math
import os

import torch

from st_write import save

SEED = 11


class Lars(torch.optim.Optimizer):
    """MAE util/lars.py restated: trust ratio and weight decay only for tensors with ndim > 1."""

    def __init__(self, params, lr=0, weight_decay=0, momentum=0.9, trust_coefficient=0.001):
        super().__init__(params, dict(lr=lr, weight_decay=weight_decay, momentum=momentum, trust_coefficient=trust_coefficient))

    @torch.no_grad()
    def step(self):
        for g in self.param_groups:
            for p in g["params"]:
                dp = p.grad
                if p.ndim > 1:
                    dp = dp.add(p, alpha=g["weight_decay"])
                    param_norm = torch.norm(p)
                    update_norm = torch.norm(dp)
                    one = torch.ones_like(param_norm)
                    q = torch.where(param_norm > 0., torch.where(update_norm > 0, (g["trust_coefficient"] * param_norm / update_norm), one), one)
                    dp = dp.mul(q)
                state = self.state[p]
                if "mu" not in state:
                    state["mu"] = torch.zeros_like(p)
                mu = state["mu"]
                mu.mul_(g["momentum"]).add_(dp)
                p.add_(mu, alpha=-g["lr"])


def main():
    g = torch.Generator().manual_seed(SEED)
    shapes = {"blocks.0.attn.qkv.weight": (6, 4), "blocks.0.attn.qkv.bias": (6,), "cls_token": (1, 1, 4), "norm.weight": (4,)}
    init = {k: torch.randn(*s, generator=g, dtype=torch.float64) for k, s in shapes.items()}
    grads = {k: torch.randn(3, *s, generator=g, dtype=torch.float64) for k, s in shapes.items()}
    out = {}
    for k in shapes:
        out["init." + k] = init[k]
        out["grads." + k] = grads[k]

    params = {k: init[k].clone().requires_grad_(True) for k in shapes}
    decay = [p for k, p in params.items() if not (p.ndim == 1 or k.endswith(".bias"))]
    no_decay = [p for k, p in params.items() if p.ndim == 1 or k.endswith(".bias")]
    opt = torch.optim.AdamW([{"params": no_decay, "weight_decay": 0.0}, {"params": decay, "weight_decay": 0.05}],
                            lr=2e-2, betas=(0.9, 0.95))
    for step in range(3):
        for k, p in params.items():
            p.grad = grads[k][step].clone()
        opt.step()
    for k, p in params.items():
        out["adamw." + k] = p.detach()

    params = {k: init[k].clone().requires_grad_(True) for k in shapes}
    opt = Lars(params.values(), lr=0.5, weight_decay=1e-3)
    for step in range(3):
        for k, p in params.items():
            p.grad = grads[k][step].clone()
        opt.step()
    for k, p in params.items():
        out["lars." + k] = p.detach()

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden", "optim_groups.safetensors")
    save(path, out, {"generator": "tests/reference/make_golden_optim_groups.py", "torch": torch.__version__, "seed": SEED,
                     "adamw": "lr=2e-2 betas=(0.9,0.95) wd=0.05 MAE groups", "lars": "lr=0.5 wd=1e-3 momentum=0.9 trust=0.001"})
    print("wrote", path)
    probe_trajectory()


def mae_lr(epoch, lr, min_lr, warmup, epochs):
    """MAE util/lr_sched.adjust_learning_rate at a fractional epoch."""
    if epoch < warmup:
        return lr * epoch / warmup
    return min_lr + (lr - min_lr) * 0.5 * (1.0 + math.cos(math.pi * (epoch - warmup) / (epochs - warmup)))


def probe_trajectory():
    """MAE's linear probe head trained with LARS: Sequential(BatchNorm1d(D, affine=False, eps=1e-6), Linear(D, V)).

    main_linprobe: the head in train mode (batch statistics, running statistics updated), plain cross-entropy,
    LARS(head.parameters(), weight_decay=0) with the per-iteration warm-up + cosine; float64 throughout.
    """
    g = torch.Generator().manual_seed(SEED + 1)
    n, d, v, batch, epochs, warmup, peak = 64, 6, 4, 16, 4, 2, 2.0
    x = torch.randn(n, d, generator=g, dtype=torch.float64) * torch.linspace(0.5, 3.0, d, dtype=torch.float64) + 1.5
    y = torch.randint(0, v, (n,), generator=g)
    orders = torch.stack([torch.randperm(n, generator=g) for _ in range(epochs)])
    head = torch.nn.Sequential(torch.nn.BatchNorm1d(d, affine=False, eps=1e-6), torch.nn.Linear(d, v)).double()
    torch.nn.init.trunc_normal_(head[1].weight, std=0.01)
    torch.nn.init.zeros_(head[1].bias)
    out = {"probe.x": x, "probe.y": y.to(torch.int32), "probe.orders": orders.to(torch.int32),
           "probe.init.weight": head[1].weight.detach().clone(), "probe.init.bias": head[1].bias.detach().clone()}
    opt = Lars(head.parameters(), lr=0, weight_decay=0.0)
    crit = torch.nn.CrossEntropyLoss()
    head.train(True)
    per_epoch = n // batch
    losses, lrs = [], []
    for e in range(epochs):
        for it in range(per_epoch):
            lr = mae_lr(it / per_epoch + e, peak, 0.0, warmup, epochs)
            for group in opt.param_groups:
                group["lr"] = lr
            idx = orders[e, it * batch:(it + 1) * batch]
            loss = crit(head(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
            lrs.append(lr)
    head.eval()
    with torch.no_grad():
        out["probe.eval_logits"] = head(x)
    out["probe.losses"] = torch.tensor(losses, dtype=torch.float64)
    out["probe.lrs"] = torch.tensor(lrs, dtype=torch.float64)
    out["probe.weight"] = head[1].weight.detach()
    out["probe.bias"] = head[1].bias.detach()
    out["probe.running_mean"] = head[0].running_mean.detach()
    out["probe.running_var"] = head[0].running_var.detach()
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden", "probe_lars.safetensors")
    save(path, out, {"generator": "tests/reference/make_golden_optim_groups.py (probe_trajectory)", "torch": torch.__version__, "seed": SEED + 1,
                     "probe": f"BN(affine=False, eps=1e-6)+Linear, LARS m=0.9 trust=0.001 wd=0, peak lr {peak}, warmup {warmup} of {epochs} epochs, batch {batch}"})
    print("wrote", path)


if __name__ == "__main__":
    main()
