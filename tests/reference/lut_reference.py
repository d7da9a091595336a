"""A PyTorch restatement of LUT (Kim et al., ECCV 2024), written from the spec for golden files:
the MAE of mae_reference.py plus a projector `head` and a `predictor` (Linear no-bias -> BatchNorm1d
-> ReLU -> Linear no-bias, as nn.Sequential so the names are head.0/head.1/head.3), two-view masking
from one noise draw with disjoint visible sets, the cross-view 2 - 2cos loss against a momentum
target in eval mode, and the EMA over the whole state (parameters and buffers).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from mae_reference import MaskedAutoencoderViT


def mlp(dim, hidden):
    return nn.Sequential(nn.Linear(dim, hidden, bias=False), nn.BatchNorm1d(hidden), nn.ReLU(),
                         nn.Linear(hidden, dim, bias=False))


class LutReference(MaskedAutoencoderViT):
    def __init__(self, head_hidden, **cfg):
        super().__init__(**cfg)
        d = cfg["embed_dim"]
        self.head = mlp(d, head_hidden)
        self.predictor = mlp(d, head_hidden)
        for m in list(self.head) + list(self.predictor):
            if isinstance(m, nn.Linear):
                torch.nn.init.xavier_uniform_(m.weight)

    def encode_kept(self, imgs, ids_keep):
        """Encoder on the tokens ids_keep (N, K) of imgs, cls prepended, final norm: (N, 1+K, D)."""
        x = self.patch_embed(imgs) + self.pos_embed[:, 1:, :]
        x = torch.gather(x, 1, ids_keep.unsqueeze(-1).repeat(1, 1, x.shape[-1]))
        cls = (self.cls_token + self.pos_embed[:, :1, :]).expand(x.shape[0], -1, -1)
        x = torch.cat((cls, x), dim=1)
        for blk in self.blocks:
            x = blk(x)
        return self.norm(x)

    def encode_full(self, imgs):
        n, l = imgs.shape[0], self.patch_embed.num_patches
        return self.encode_kept(imgs, torch.arange(l).unsqueeze(0).repeat(n, 1))


def two_view_masks(noise, mask_ratio):
    n, l = noise.shape
    k = int(l * (1 - mask_ratio))
    ids_shuffle = torch.argsort(noise, dim=1)
    ids_restore = torch.argsort(ids_shuffle, dim=1)
    mask1 = torch.ones(n, l)
    mask1[:, :k] = 0
    mask1 = torch.gather(mask1, 1, ids_restore)
    mask2 = torch.ones(n, l)
    mask2[:, k:2 * k] = 0
    mask2 = torch.gather(mask2, 1, ids_restore)
    return ids_shuffle[:, :k], ids_shuffle[:, k:2 * k], ids_restore, mask1, mask2


def distance(q, k):
    return 2 - 2 * (F.normalize(q, dim=-1, p=2) * F.normalize(k, dim=-1, p=2)).sum(dim=-1)


def lut_loss(online, target, imgs1, imgs2, noise, mask_ratio, w_mae, w_bc):
    """online in train mode, target in eval mode; returns (total, L_mae, L_bc, q1, q2, k1, k2)."""
    keep1, keep2, ids_restore, mask1, _ = two_view_masks(noise, mask_ratio)
    lat1 = online.encode_kept(imgs1, keep1)
    lat2 = online.encode_kept(imgs2, keep2)
    pred = online.forward_decoder(lat1, ids_restore)
    l_mae = online.forward_loss(imgs1, pred, mask1)
    q1 = online.predictor(online.head(lat1[:, 1:, :].mean(dim=1)))
    q2 = online.predictor(online.head(lat2[:, 1:, :].mean(dim=1)))
    with torch.no_grad():
        k1 = target.head(target.encode_full(imgs1)[:, 1:, :].mean(dim=1))
        k2 = target.head(target.encode_full(imgs2)[:, 1:, :].mean(dim=1))
    l_bc = 0.5 * (distance(q2, k1.detach()).mean() + distance(q1, k2.detach()).mean())
    return w_mae * l_mae + w_bc * l_bc, l_mae, l_bc, q1, q2, k1, k2


def float_state(model):
    """The state dict with BN's integer batch counter as a float (1,) tensor, as the Java store holds it."""
    out = {}
    for k, v in model.state_dict().items():
        v = v.detach().clone()
        if k.endswith("num_batches_tracked"):
            v = v.to(torch.get_default_dtype()).reshape(1)
        out[k] = v
    return out
