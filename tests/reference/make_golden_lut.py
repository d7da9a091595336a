"""Golden file for one LUT step (restated from the spec in lut_reference.py): online and target with
different weights (target BN running statistics not the init ones, as after training), two views and
one noise draw; L_mae, L_bc, total, every online gradient, the online BN running statistics after the
forward (two updates: view 1 then view 2), then AdamW on the online network and the EMA of the whole
target state (parameters and buffers, the batch counter included as a float).

Run:  /usr/bin/python3 tests/reference/make_golden_lut.py
"""
import os

import torch

from lut_reference import LutReference, lut_loss, float_state
from mae_reference import param_groups_mae
from make_golden_mae import CFG
from st_write import save

SEED = 9876
HIDDEN = 48
RATIO = 0.75
W_MAE, W_BC = 1.0, 0.25
MOMENTUM = 0.99
BATCH = 4


def perturb_bn(model, g):
    """Non-trivial BN affine parameters and running statistics (as after some training)."""
    with torch.no_grad():
        for seq in (model.head, model.predictor):
            bn = seq[1]
            bn.weight.copy_(1 + 0.2 * torch.randn(bn.weight.shape, generator=g))
            bn.bias.copy_(0.1 * torch.randn(bn.bias.shape, generator=g))
            bn.running_mean.copy_(0.3 * torch.randn(bn.running_mean.shape, generator=g))
            bn.running_var.copy_(0.5 + torch.rand(bn.running_var.shape, generator=g))
            bn.num_batches_tracked.fill_(7)


def main():
    torch.set_default_dtype(torch.float64)
    torch.manual_seed(SEED)
    online = LutReference(HIDDEN, norm_pix_loss=True, **CFG)
    target = LutReference(HIDDEN, norm_pix_loss=True, **CFG)  # different weights, as after training
    g = torch.Generator().manual_seed(SEED + 1)
    perturb_bn(online, g)
    perturb_bn(target, g)
    for p in target.parameters():
        p.requires_grad_(False)
    online.train()
    target.eval()
    imgs1 = torch.randn(BATCH, 3, 16, 16, generator=g)
    imgs2 = torch.randn(BATCH, 3, 16, 16, generator=g)
    noise = torch.rand(BATCH, 16, generator=g)
    out = {"input.imgs1": imgs1, "input.imgs2": imgs2, "input.noise": noise}
    for k, v in float_state(online).items():
        out["online." + k] = v
    for k, v in float_state(target).items():
        out["target." + k] = v

    loss, l_mae, l_bc, q1, q2, k1, k2 = lut_loss(online, target, imgs1, imgs2, noise, RATIO, W_MAE, W_BC)
    loss.backward()
    out.update({"output.loss": loss.detach().reshape(1), "output.loss_mae": l_mae.detach().reshape(1),
                "output.loss_bc": l_bc.detach().reshape(1), "output.q1": q1.detach(), "output.q2": q2.detach(),
                "output.k1": k1, "output.k2": k2})
    for k, p in online.named_parameters():
        if p.requires_grad:
            out["grad." + k] = p.grad.detach().clone()
    for k, v in float_state(online).items():
        if "running_" in k or "num_batches" in k:
            out["online_after_forward." + k] = v

    opt = torch.optim.AdamW(param_groups_mae(online, 0.05), lr=1e-3, betas=(0.9, 0.95))
    opt.step()
    s_online, s_target = float_state(online), float_state(target)
    for k in s_target:
        out["target_after." + k] = MOMENTUM * s_target[k] + (1 - MOMENTUM) * s_online[k]

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden", "lut_tiny.safetensors")
    save(path, out, {"generator": "tests/reference/make_golden_lut.py", "torch": torch.__version__, "seed": SEED,
                     "config": str(CFG), "head_hidden": HIDDEN, "mask_ratio": RATIO, "w_mae": W_MAE, "w_bc": W_BC,
                     "momentum": MOMENTUM, "batch": BATCH, "adamw": "lr=1e-3 betas=(0.9,0.95) wd=0.05 MAE groups"})
    print("wrote", path, "loss", loss.item(), "L_mae", l_mae.item(), "L_bc", l_bc.item())


if __name__ == "__main__":
    main()
