"""Golden file for one RC-MAE step (Lee et al. 2023, youngwanLEE/rc-mae engine_pretrain.py restated):
student and teacher MAEs with different weights, the same mask, L = L_r + gamma * L_c with the
teacher prediction detached, the student's gradients, one AdamW step, then the EMA update.

Run:  /usr/bin/python3 tests/reference/make_golden_rcmae.py
"""
import os

import torch

from mae_reference import MaskedAutoencoderViT, param_groups_mae
from make_golden_mae import CFG
from st_write import save

SEED = 4321
GAMMA = 1.0
MOMENTUM = 0.996


def main():
    torch.set_default_dtype(torch.float64)
    torch.manual_seed(SEED)
    student = MaskedAutoencoderViT(norm_pix_loss=True, **CFG)
    teacher = MaskedAutoencoderViT(norm_pix_loss=True, **CFG)  # different weights, as after some training
    for p in teacher.parameters():
        p.requires_grad_(False)
    g = torch.Generator().manual_seed(SEED + 1)
    imgs = torch.randn(2, 3, 16, 16, generator=g)
    noise = torch.rand(2, 16, generator=g)
    out = {"input.imgs": imgs, "input.noise": noise}
    for k, v in student.state_dict().items():
        out["student." + k] = v.detach().clone()
    for k, v in teacher.state_dict().items():
        out["teacher." + k] = v.detach().clone()

    loss_r, pred, mask, _, ids_restore = student(imgs, noise)
    with torch.no_grad():
        latent_t, _, _ = teacher.forward_encoder(imgs, 0.75, noise)  # same noise = same mask
        pred_t = teacher.forward_decoder(latent_t, ids_restore)
    loss_c = (((pred - pred_t.detach()) ** 2).mean(dim=-1) * mask).sum() / mask.sum()
    loss = loss_r + GAMMA * loss_c
    loss.backward()
    out.update({"output.loss": loss.detach().reshape(1), "output.loss_r": loss_r.detach().reshape(1),
                "output.loss_c": loss_c.detach().reshape(1), "output.pred_teacher": pred_t})
    for k, p in student.named_parameters():
        if p.requires_grad:
            out["grad." + k] = p.grad.detach().clone()

    opt = torch.optim.AdamW(param_groups_mae(student, 0.05), lr=1e-3, betas=(0.9, 0.95))
    opt.step()
    with torch.no_grad():
        for pt, ps in zip(teacher.parameters(), student.parameters()):
            pt.mul_(MOMENTUM).add_(ps.detach(), alpha=1 - MOMENTUM)
    for k, v in teacher.state_dict().items():
        out["teacher_after." + k] = v.detach().clone()

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden", "rcmae_tiny.safetensors")
    save(path, out, {"generator": "tests/reference/make_golden_rcmae.py", "torch": torch.__version__, "seed": SEED,
                     "config": str(CFG), "gamma": GAMMA, "momentum": MOMENTUM, "adamw": "lr=1e-3 betas=(0.9,0.95) wd=0.05"})
    print("wrote", path, "loss", loss.item(), "L_r", loss_r.item(), "L_c", loss_c.item())


if __name__ == "__main__":
    main()
