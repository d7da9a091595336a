"""Golden file for the representation and attention analyses on the micro MAE encoder (MaeConfig.micro16):
seeded weights, 48 images, and, computed independently in float64 from the PyTorch restatement of the
official model run on the full unmasked images: mean attention distance per block and head (cls row and
column dropped; rows renormalised as naver-ai/cl-vs-mim and kept as sayakpaul/probing-vits), attention NMI
(cl-vs-mim's definition), DINO's last-block cls maps, attention rollout (0.5 A + 0.5 I, rows renormalised,
mean fusion), the covariance spectrum (numpy eigvalsh of the centred covariance), the singular values of the
uncentred features (torch svdvals), RankMe, the sigma-squared variant, alpha-ReQ (numpy polyfit on ranks
10..32, cut where eigenvalues reach rounding level, with R^2) of the final cls token and of block 0's mean patch token, and Grad-CAM at the last block's
norm1 for a seeded linear head (pytorch-grad-cam's GradCAM steps: spatial-mean weights, ReLU, min-max).

Run:  /usr/bin/python3 tests/reference/make_golden_analysis.py
"""
import math
import os

import numpy as np
import torch

from mae_reference import MaskedAutoencoderViT
from st_write import save

SEED = 4321
CFG = dict(img_size=16, patch_size=4, in_chans=3, embed_dim=32, depth=2, num_heads=4,
           decoder_embed_dim=24, decoder_depth=1, decoder_num_heads=3)
N_IMAGES, N_MAPS, N_CAMS, CLASSES = 48, 4, 8, 5
EPS_RANKME = 1e-7
WINDOW = (10, 32)


def block_forward(blk, x):
    """timm Block with the attention probabilities and the norm1 output exposed."""
    n1 = blk.norm1(x)
    b, n, c = n1.shape
    a = blk.attn
    qkv = a.qkv(n1).reshape(b, n, 3, a.heads, c // a.heads).permute(2, 0, 3, 1, 4)
    q, k, v = qkv[0], qkv[1], qkv[2]
    probs = ((q @ k.transpose(-2, -1)) * a.scale).softmax(dim=-1)
    x = x + a.proj((probs @ v).transpose(1, 2).reshape(b, n, c))
    x = x + blk.mlp(blk.norm2(x))
    return x, probs, n1


def encoder(model, imgs):
    x = model.patch_embed(imgs) + model.pos_embed[:, 1:, :]
    cls = model.cls_token + model.pos_embed[:, :1, :]
    x = torch.cat((cls.expand(x.shape[0], -1, -1), x), dim=1)
    tokens, probs, n1s = [], [], []
    for blk in model.blocks:
        x, p, n1 = block_forward(blk, x)
        tokens.append(x)
        probs.append(p)
        n1s.append(n1)
    return tokens, probs, n1s, model.norm(x)


def distance_matrix(patch, side):
    n = side * side
    d = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            d[i, j] = patch * math.hypot(i // side - j // side, i % side - j % side)
    return d


def attention_distance(p, patch, renormalise):
    a = p[:, :, 1:, 1:].numpy()
    if renormalise:
        a = a / a.sum(axis=-1, keepdims=True)
    side = int(round(math.sqrt(a.shape[-1])))
    per = (a * distance_matrix(patch, side)[None, None]).sum(-1).mean(-1)  # (B, H)
    return per.mean(0)


def nmi(p):
    a = p[:, :, 1:, 1:]
    a = a / a.sum(-1, keepdim=True)
    q = a.shape[2]
    pq = torch.full(a.shape[:3], 1.0 / q, dtype=a.dtype)
    pk = (a * pq[..., None]).sum(2)
    mi = (a * pq[..., None] * torch.log(a / pk[:, :, None, :])).sum((2, 3))
    hq = -(pq * torch.log(pq)).sum(-1)
    hk = -(pk * torch.log(pk)).sum(-1)
    return (mi / torch.sqrt(hq * hk)).mean(0)


def rollout(probs, count):
    out = []
    for b in range(count):
        t = probs[0].shape[-1]
        r = torch.eye(t, dtype=probs[0].dtype)
        for p in probs:
            a = 0.5 * p[b].mean(0) + 0.5 * torch.eye(t, dtype=p.dtype)
            a = a / a.sum(dim=-1, keepdim=True)
            r = a @ r
        m = r[0, 1:]
        out.append(m / m.max())
    return torch.stack(out)


def spectrum(z):
    z = z.numpy()
    n = z.shape[0]
    cov = np.cov(z.T, bias=True)
    lam = np.sort(np.linalg.eigvalsh(cov))[::-1].copy()
    sigma = torch.linalg.svdvals(torch.from_numpy(z)).numpy()
    p = sigma / sigma.sum() + EPS_RANKME
    rankme = math.exp(-(p * np.log(p)).sum())
    p2 = sigma ** 2 / (sigma ** 2).sum() + EPS_RANKME
    rank2 = math.exp(-(p2 * np.log(p2)).sum())
    last = min(WINDOW[1], len(lam))
    tol = lam[0] * len(lam) * np.finfo(np.float64).eps                 # eigenvalues at rounding level end the window
    while lam[last - 1] <= tol:
        last -= 1
    ranks = np.arange(WINDOW[0], last + 1)
    x, y = np.log(ranks), np.log(lam[ranks - 1])
    slope, intercept = np.polyfit(x, y, 1)
    r2 = 1 - ((y - (slope * x + intercept)) ** 2).sum() / ((y - y.mean()) ** 2).sum()
    assert n >= z.shape[1]
    return lam, sigma, rankme, rank2, -slope, r2, last


def grad_cam(model, imgs, w, b):
    x = model.patch_embed(imgs) + model.pos_embed[:, 1:, :]
    cls = model.cls_token + model.pos_embed[:, :1, :]
    x = torch.cat((cls.expand(x.shape[0], -1, -1), x), dim=1)
    for blk in model.blocks[:-1]:
        x, _, _ = block_forward(blk, x)
    x, _, n1 = block_forward(model.blocks[-1], x)
    n1.retain_grad()
    logits = model.norm(x)[:, 0] @ w.T + b
    target = logits.argmax(-1)
    logits.gather(1, target[:, None]).sum().backward()
    acts, grads = n1[:, 1:].detach().numpy(), n1.grad[:, 1:].numpy()     # (B, L, D): drop cls, patch grid row-major
    weights = grads.mean(axis=1)                                        # spatial mean per channel
    cam = np.maximum((weights[:, None, :] * acts).sum(-1), 0)
    cam = cam - cam.min(axis=1, keepdims=True)
    cam = cam / (1e-7 + cam.max(axis=1, keepdims=True))
    return target, logits.gather(1, target[:, None])[:, 0].detach(), torch.from_numpy(cam)


def main():
    torch.manual_seed(SEED)
    torch.set_default_dtype(torch.float64)
    model = MaskedAutoencoderViT(norm_pix_loss=True, **CFG)
    g = torch.Generator().manual_seed(SEED + 1)
    # larger-than-init qkv weights make the attention patterns far from uniform
    with torch.no_grad():
        for blk in model.blocks:
            blk.attn.qkv.weight.mul_(4.0)
    imgs = torch.randn(N_IMAGES, 3, 16, 16, generator=g)
    head_w = 0.5 * torch.randn(CLASSES, 32, generator=g)
    head_b = 0.1 * torch.randn(CLASSES, generator=g)
    out = {"input.imgs": imgs, "input.head_weight": head_w, "input.head_bias": head_b}
    for k, v in model.state_dict().items():
        out["weights." + k] = v.detach().clone()
    with torch.no_grad():
        tokens, probs, _, final = encoder(model, imgs)
        for l, p in enumerate(probs):
            out[f"attention.distance_renormalised.{l}"] = torch.from_numpy(attention_distance(p, 4, True))
            out[f"attention.distance_unnormalised.{l}"] = torch.from_numpy(attention_distance(p, 4, False))
            out[f"attention.nmi.{l}"] = nmi(p)
        out["attention.cls_maps"] = probs[-1][:N_MAPS, :, 0, 1:].clone()
        out["attention.rollout_mean"] = rollout(probs, N_MAPS)
        for name, z in (("final_cls", final[:, 0]), ("block0_mean", tokens[0][:, 1:].mean(1))):
            lam, sigma, rankme, rank2, alpha, r2, last = spectrum(z)
            out[f"spectrum.{name}.covariance"] = torch.from_numpy(lam)
            out[f"spectrum.{name}.singular"] = torch.from_numpy(sigma.copy())
            out[f"spectrum.{name}.scalars"] = torch.tensor([rankme, rank2, alpha, r2, float(last)])
    target, score, cam = grad_cam(model, imgs[:N_CAMS], head_w, head_b)
    out["gradcam.target"] = target
    out["gradcam.score"] = score
    out["gradcam.cam"] = cam
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden", "analysis_micro.safetensors")
    save(path, out, {"generator": "tests/reference/make_golden_analysis.py", "torch": torch.__version__, "numpy": np.__version__,
                     "seed": SEED, "config": str(CFG), "qkv_weight_scale": 4.0, "rankme_eps": EPS_RANKME, "alpha_window": str(WINDOW)})
    print("wrote", path, "targets", target.tolist())


if __name__ == "__main__":
    main()
