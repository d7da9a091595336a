"""Golden file for one SimMIM step (Xie et al. 2022, ViT variant restated from the spec): the encoder
replaces masked patch embeddings by a mask token before adding the (here: fixed 2-D sin-cos) position
table, a 1x1 conv + PixelShuffle decoder predicts pixels, L1 loss on masked pixels / (#masked pixels + 1e-5)
/ C. The decoder conv weight (P*P*C, D, 1, 1) is stored reshaped to (P*P*C, D), the Linear layout.

Run:  /usr/bin/python3 tests/reference/make_golden_simmim.py
"""
import os

import numpy as np
import torch
import torch.nn as nn

from mae_reference import Block, PatchEmbed, sincos_2d
from st_write import save

SEED = 2468
IMG, PATCH, CHANS, DIM, DEPTH, HEADS = 16, 4, 3, 32, 2, 4
MASK_PATCH, RATIO, BATCH = 8, 0.6, 3


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.patch_embed = PatchEmbed(IMG, PATCH, CHANS, DIM)
        n = self.patch_embed.num_patches
        self.cls_token = nn.Parameter(0.02 * torch.randn(1, 1, DIM))
        self.pos_embed = nn.Parameter(torch.from_numpy(sincos_2d(DIM, IMG // PATCH, True)).unsqueeze(0), requires_grad=False)
        self.blocks = nn.ModuleList([Block(DIM, HEADS) for _ in range(DEPTH)])
        self.norm = nn.LayerNorm(DIM, eps=1e-6)
        self.mask_token = nn.Parameter(torch.nn.init.trunc_normal_(torch.zeros(1, 1, DIM), std=0.02, a=-0.02, b=0.02))

    def forward(self, x, mask):
        x = self.patch_embed(x)
        b, l, _ = x.shape
        w = mask.flatten(1).unsqueeze(-1).type_as(x)
        x = x * (1 - w) + self.mask_token.expand(b, l, -1) * w
        x = torch.cat((self.cls_token.expand(b, -1, -1), x), dim=1) + self.pos_embed
        for blk in self.blocks:
            x = blk(x)
        x = self.norm(x)[:, 1:]
        h = int(l ** 0.5)
        return x.permute(0, 2, 1).reshape(b, DIM, h, h)


class SimMimReference(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = Encoder()
        self.decoder = nn.Sequential(nn.Conv2d(DIM, PATCH ** 2 * CHANS, kernel_size=1), nn.PixelShuffle(PATCH))

    def forward(self, x, mask):
        x_rec = self.decoder(self.encoder(x, mask))
        m = mask.repeat_interleave(PATCH, 1).repeat_interleave(PATCH, 2).unsqueeze(1).contiguous()
        loss = ((x - x_rec).abs() * m).sum() / (m.sum() + 1e-5) / CHANS
        return loss, x_rec


def coarse_mask(rng):
    cells = (IMG // MASK_PATCH) ** 2
    count = int(np.ceil(cells * RATIO))
    idx = rng.permutation(cells)[:count]
    m = np.zeros(cells, dtype=np.float64)
    m[idx] = 1
    side = IMG // MASK_PATCH
    scale = MASK_PATCH // PATCH
    return m.reshape(side, side).repeat(scale, axis=0).repeat(scale, axis=1)


def main():
    torch.set_default_dtype(torch.float64)
    torch.manual_seed(SEED)
    model = SimMimReference()
    with torch.no_grad():  # non-trivial LayerNorm affine parameters
        for name, p in model.named_parameters():
            if "norm" in name:
                p.add_(0.1 * torch.randn(p.shape))
    rng = np.random.RandomState(SEED)
    g = torch.Generator().manual_seed(SEED + 1)
    imgs = torch.randn(BATCH, CHANS, IMG, IMG, generator=g)
    mask = torch.from_numpy(np.stack([coarse_mask(rng) for _ in range(BATCH)]))  # (B, h, w) over ViT patches
    out = {"input.imgs": imgs, "input.mask": mask.reshape(BATCH, -1).clone()}
    for k, v in model.state_dict().items():
        v = v.detach().clone()
        if k == "decoder.0.weight":
            v = v.reshape(v.shape[0], v.shape[1])
        out["model." + k] = v
    loss, x_rec = model(imgs, mask)
    loss.backward()
    out.update({"output.loss": loss.detach().reshape(1), "output.x_rec": x_rec.detach()})
    for k, p in model.named_parameters():
        if p.requires_grad:
            gr = p.grad.detach().clone()
            if k == "decoder.0.weight":
                gr = gr.reshape(gr.shape[0], gr.shape[1])
            out["grad." + k] = gr
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden", "simmim_tiny.safetensors")
    save(path, out, {"generator": "tests/reference/make_golden_simmim.py", "torch": torch.__version__, "seed": SEED,
                     "config": str(dict(img=IMG, patch=PATCH, dim=DIM, depth=DEPTH, heads=HEADS, mask_patch=MASK_PATCH, ratio=RATIO))})
    print("wrote", path, "loss", loss.item(), "masked patches", mask.sum().item())


if __name__ == "__main__":
    main()
