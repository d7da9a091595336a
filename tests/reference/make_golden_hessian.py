"""Golden file for the Hessian tools: exact Hessian-vector products of the tiny MAE's norm-pix loss by
double backward (torch.autograd.grad with create_graph=True, as PyHessian), PyHessian's power
iteration from a given start vector, and Hutchinson samples for given Rademacher vectors.

Run:  /usr/bin/python3 tests/reference/make_golden_hessian.py
The model, weights, images and noise are those of make_golden_mae.py (same config and seed); float64.
Vectors are stored per parameter ("v.<name>", "hv.<name>", ...) over every parameter with requires_grad.
"""
import os

import torch

from mae_reference import MaskedAutoencoderViT
from st_write import save

SEED = 1234
CFG = dict(img_size=16, patch_size=4, in_chans=3, embed_dim=32, depth=2, num_heads=4,
           decoder_embed_dim=24, decoder_depth=1, decoder_num_heads=3)
POWER_ITERS, POWER_TOL = 100, 1e-3  # PyHessian's defaults
RADEMACHER = 4


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

    loss, _, _, _, _ = model(imgs, noise)
    grads = torch.autograd.grad(loss, params, create_graph=True)

    def hvp(vs):
        return [h.detach() for h in torch.autograd.grad(grads, params, grad_outputs=vs, retain_graph=True)]

    def dot(a, b):
        return sum((x * y).sum() for x, y in zip(a, b))

    gv = torch.Generator().manual_seed(SEED + 2)
    v = [torch.randn(p.shape, generator=gv) for p in params]
    hv = hvp(v)

    # PyHessian's eigenvalues(): normalise (norm + 1e-6), Hv, Rayleigh quotient, stop on relative change < tol
    v0 = [torch.randn(p.shape, generator=gv) for p in params]
    w = [x / (torch.sqrt(dot(v0, v0)) + 1e-6) for x in v0]
    eig, iters = None, 0
    for i in range(POWER_ITERS):
        iters = i + 1
        hw = hvp(w)
        tmp = dot(hw, w).item()
        nrm = torch.sqrt(dot(hw, hw))
        w = [x / (nrm + 1e-6) for x in hw]
        if eig is not None and abs(eig - tmp) / (abs(eig) + 1e-6) < POWER_TOL:
            eig = tmp
            break
        eig = tmp

    zs, samples = [], []
    for i in range(RADEMACHER):
        z = [torch.randint(0, 2, p.shape, generator=gv).double() * 2 - 1 for p in params]
        zs.append(z)
        samples.append(dot(hvp(z), z).item())

    out = {"input.imgs": imgs, "input.noise": noise, "output.loss": loss.detach().reshape(1),
           "output.power_eigenvalue": torch.tensor([eig]), "output.power_iterations": torch.tensor([iters]),
           "output.hutchinson_samples": torch.tensor(samples)}
    for k, t in model.state_dict().items():
        out["weights." + k] = t.detach().clone()
    for n, a, b, c in zip(names, v, hv, v0):
        out["v." + n], out["hv." + n], out["v0." + n] = a, b, c
    for i, z in enumerate(zs):
        for n, t in zip(names, z):
            out[f"z{i}." + n] = t
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden", "hessian_mae_tiny.safetensors")
    save(path, out, {"generator": "tests/reference/make_golden_hessian.py", "torch": torch.__version__, "seed": SEED,
                     "config": str(CFG), "mask_ratio": 0.75, "power": f"maxIter={POWER_ITERS} tol={POWER_TOL}",
                     "parameters": "every parameter with requires_grad (PyHessian)"})
    print("wrote", path, "loss", loss.item(), "eig", eig, "after", iters, "hutchinson", samples)


if __name__ == "__main__":
    main()
