"""Golden file for MAE parity: weights, inputs, forward outputs (norm-pix on and off), the gradient
of every trainable parameter, and the parameters after one AdamW step with MAE's groups.

Run:  /usr/bin/python3 tests/reference/make_golden_mae.py
Computed in float64 so that Tessera's float32 and float64 paths can both be compared.
"""
import os

import torch

from mae_reference import MaskedAutoencoderViT, param_groups_mae
from st_write import save

SEED = 1234
CFG = dict(img_size=16, patch_size=4, in_chans=3, embed_dim=32, depth=2, num_heads=4,
           decoder_embed_dim=24, decoder_depth=1, decoder_num_heads=3)


def main():
    torch.manual_seed(SEED)
    torch.set_default_dtype(torch.float64)
    model = MaskedAutoencoderViT(norm_pix_loss=True, **CFG)
    g = torch.Generator().manual_seed(SEED + 1)
    imgs = torch.randn(2, 3, 16, 16, generator=g)
    noise = torch.rand(2, 16, generator=g)
    out = {"input.imgs": imgs, "input.noise": noise}
    for k, v in model.state_dict().items():
        out["weights." + k] = v.detach().clone()  # state_dict tensors are live: copy before training

    model.norm_pix_loss = False
    loss_raw, pred_raw, _, _, _ = model(imgs, noise)
    out["output.loss_raw"] = loss_raw.detach().reshape(1)

    model.norm_pix_loss = True
    model.zero_grad()
    loss, pred, mask, latent, ids_restore = model(imgs, noise)
    loss.backward()
    out.update({"output.loss": loss.detach().reshape(1), "output.pred": pred.detach(), "output.mask": mask,
                "output.latent": latent.detach(), "output.ids_restore": ids_restore})
    for k, p in model.named_parameters():
        if p.requires_grad:
            out["grad." + k] = p.grad.detach().clone()

    opt = torch.optim.AdamW(param_groups_mae(model, 0.05), lr=1e-3, betas=(0.9, 0.95))
    opt.step()
    for k, p in model.named_parameters():
        if p.requires_grad:
            out["adamw." + k] = p.detach().clone()

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden", "mae_tiny.safetensors")
    save(path, out, {"generator": "tests/reference/make_golden_mae.py", "torch": torch.__version__, "seed": SEED,
                     "config": str(CFG), "mask_ratio": 0.75, "adamw": "lr=1e-3 betas=(0.9,0.95) wd=0.05 MAE groups"})
    print("wrote", path, "loss", loss.item(), "loss_raw", loss_raw.item())


if __name__ == "__main__":
    main()
