"""Golden file for MAE's patchify and random masking, from a re-statement of the official code.

Run with Debian's PyTorch:  /usr/bin/python3 tests/reference/make_golden_masking.py
Writes tests/reference/golden/masking.safetensors (seed and torch version in its metadata).
The functions below restate facebookresearch/mae models_mae.py (patchify, random_masking).
"""
import os

import torch

from st_write import save

SEED = 20261122


def patchify(imgs, p):
    n, c, h, w = imgs.shape
    gh, gw = h // p, w // p
    x = imgs.reshape(n, c, gh, p, gw, p)
    x = torch.einsum("nchpwq->nhwpqc", x)
    return x.reshape(n, gh * gw, p * p * c)


def random_masking(x, mask_ratio, noise):
    n, l, d = x.shape
    len_keep = int(l * (1 - mask_ratio))
    ids_shuffle = torch.argsort(noise, dim=1)
    ids_restore = torch.argsort(ids_shuffle, dim=1)
    ids_keep = ids_shuffle[:, :len_keep]
    x_masked = torch.gather(x, dim=1, index=ids_keep.unsqueeze(-1).repeat(1, 1, d))
    mask = torch.ones([n, l])
    mask[:, :len_keep] = 0
    mask = torch.gather(mask, dim=1, index=ids_restore)
    return x_masked, mask, ids_restore, ids_shuffle, ids_keep


def main():
    g = torch.Generator().manual_seed(SEED)
    imgs = torch.randn(3, 3, 16, 16, generator=g)
    patches = patchify(imgs, 4)  # (3, 16, 48)
    noise = torch.rand(3, 16, generator=g)
    x_masked, mask, ids_restore, ids_shuffle, ids_keep = random_masking(patches, 0.75, noise)
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden", "masking.safetensors")
    save(out, {"imgs": imgs, "patches": patches, "noise": noise, "x_masked": x_masked, "mask": mask,
               "ids_restore": ids_restore, "ids_shuffle": ids_shuffle, "ids_keep": ids_keep},
         {"generator": "tests/reference/make_golden_masking.py", "torch": torch.__version__, "seed": SEED,
          "mask_ratio": 0.75, "patch": 4})
    print("wrote", out)


if __name__ == "__main__":
    main()
