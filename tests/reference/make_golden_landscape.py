"""Golden file for loss landscapes: loss-landscape's direction normalisation (net_plotter.py rules:
filter-wise d_i * ||w_i|| / (||d_i|| + 1e-10) over dim 0, tensors of dim <= 1 zeroed under biasbn) applied
to the tiny MAE's parameters for given raw directions, and a 5x5 surface of its norm-pix loss at
alpha, beta in linspace(-1, 1, 5) with given masking noise, in eval mode under torch.no_grad().

Run:  /usr/bin/python3 tests/reference/make_golden_landscape.py
The model, weights, images and noise are those of make_golden_mae.py (same config and seed); float64.
"""
import os

import torch

from mae_reference import MaskedAutoencoderViT
from st_write import save

SEED = 1234
CFG = dict(img_size=16, patch_size=4, in_chans=3, embed_dim=32, depth=2, num_heads=4,
           decoder_embed_dim=24, decoder_depth=1, decoder_num_heads=3)


def normalize_filter_biasbn(direction, weights):
    out = []
    for d, w in zip(direction, weights):
        d = d.clone()
        if d.dim() <= 1:
            d.fill_(0)
        else:
            for di, wi in zip(d, w):
                di.mul_(wi.norm() / (di.norm() + 1e-10))
        out.append(d)
    return out


def main():
    torch.manual_seed(SEED)
    torch.set_default_dtype(torch.float64)
    model = MaskedAutoencoderViT(norm_pix_loss=True, **CFG)
    model.eval()
    g = torch.Generator().manual_seed(SEED + 1)
    imgs = torch.randn(2, 3, 16, 16, generator=g)
    noise = torch.rand(2, 16, generator=g)
    names = [n for n, p in model.named_parameters() if p.requires_grad]
    params = [p for n, p in model.named_parameters() if p.requires_grad]
    weights = [p.detach().clone() for p in params]
    gd = torch.Generator().manual_seed(SEED + 3)
    raw_x = [torch.randn(p.shape, generator=gd) for p in params]
    raw_y = [torch.randn(p.shape, generator=gd) for p in params]
    dx, dy = normalize_filter_biasbn(raw_x, weights), normalize_filter_biasbn(raw_y, weights)
    coords = torch.linspace(-1, 1, 5)
    z = torch.zeros(5, 5)
    with torch.no_grad():
        for iy, b in enumerate(coords):
            for ix, a in enumerate(coords):
                for p, w, u, v in zip(params, weights, dx, dy):
                    p.copy_(w + a * u + b * v)
                z[iy, ix] = model(imgs, noise)[0]
        for p, w in zip(params, weights):
            p.copy_(w)
    out = {"input.imgs": imgs, "input.noise": noise, "output.surface": z, "output.coordinates": coords}
    for k, t in model.state_dict().items():
        out["weights." + k] = t.detach().clone()
    for n, a, b, c, d in zip(names, raw_x, raw_y, dx, dy):
        out["raw_x." + n], out["raw_y." + n], out["x." + n], out["y." + n] = a, b, c, d
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden", "landscape_mae_tiny.safetensors")
    save(path, out, {"generator": "tests/reference/make_golden_landscape.py", "torch": torch.__version__, "seed": SEED,
                     "config": str(CFG), "mask_ratio": 0.75, "normalisation": "filter, ignore biasbn",
                     "axes": "linspace(-1, 1, 5) both; Z[iy][ix]"})
    print("wrote", path, "centre", z[2, 2].item(), "range", z.min().item(), z.max().item())


if __name__ == "__main__":
    main()
