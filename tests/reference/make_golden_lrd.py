"""Golden parameter groups of MAE's fine-tuning: util/lr_decay.param_groups_lrd restated, applied to a
module with timm 0.3's VisionTransformer parameter names and order as models_vit builds it
(global_pool: the final norm deleted, fc_norm added after the head; cls_token: norm kept).

Run:  /usr/bin/python3 tests/reference/make_golden_lrd.py
Writes tests/reference/golden/lrd_groups.json.
"""
import json
import os

import torch
import torch.nn as nn


class Attention(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)


class Mlp(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.fc1 = nn.Linear(d, 4 * d)
        self.fc2 = nn.Linear(4 * d, d)


class Block(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.norm1 = nn.LayerNorm(d)
        self.attn = Attention(d)
        self.norm2 = nn.LayerNorm(d)
        self.mlp = Mlp(d)


class PatchEmbed(nn.Module):
    def __init__(self, d, c, p):
        super().__init__()
        self.proj = nn.Conv2d(c, d, p, p)


class VisionTransformer(nn.Module):
    """timm 0.3's registration order: patch_embed, cls_token, pos_embed, blocks, norm, head (+ fc_norm in models_vit)."""

    def __init__(self, d, depth, classes, tokens, c, p, global_pool):
        super().__init__()
        self.patch_embed = PatchEmbed(d, c, p)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, d))
        self.pos_embed = nn.Parameter(torch.zeros(1, tokens, d))
        self.blocks = nn.ModuleList([Block(d) for _ in range(depth)])
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, classes)
        if global_pool:
            self.fc_norm = nn.LayerNorm(d)
            del self.norm

    def no_weight_decay(self):
        return {"pos_embed", "cls_token"}


def get_layer_id_for_vit(name, num_layers):
    if name in ["cls_token", "pos_embed"]:
        return 0
    elif name.startswith("patch_embed"):
        return 0
    elif name.startswith("blocks"):
        return int(name.split(".")[1]) + 1
    else:
        return num_layers


def param_groups_lrd(model, weight_decay=0.05, no_weight_decay_list=(), layer_decay=.75):
    """MAE util/lr_decay.py, restated: group names, lr scales, weight decays and member names."""
    groups = {}
    num_layers = len(model.blocks) + 1
    layer_scales = list(layer_decay ** (num_layers - i) for i in range(num_layers + 1))
    for n, p in model.named_parameters():
        if not p.requires_grad:
            continue
        if p.ndim == 1 or n in no_weight_decay_list:
            g_decay, this_decay = "no_decay", 0.
        else:
            g_decay, this_decay = "decay", weight_decay
        layer_id = get_layer_id_for_vit(n, num_layers)
        name = "layer_%d_%s" % (layer_id, g_decay)
        if name not in groups:
            groups[name] = {"name": name, "layer_id": layer_id, "lr_scale": layer_scales[layer_id], "weight_decay": this_decay, "params": []}
        groups[name]["params"].append(n)
    return list(groups.values())


CASES = [  # (name, width, depth, classes, image, channels, patch, global_pool, layer_decay, weight_decay)
    ("vitb_depth12_avg", 16, 12, 1000, 32, 3, 4, True, 0.65, 0.05),
    ("mini_depth6_avg", 16, 6, 10, 28, 1, 4, True, 0.75, 0.05),
    ("micro_depth2_cls", 16, 2, 10, 28, 1, 4, False, 0.75, 0.03),
]


def main():
    out = {"generator": "tests/reference/make_golden_lrd.py", "torch": torch.__version__,
           "reference": "facebookresearch/mae util/lr_decay.py param_groups_lrd, models_vit.py, timm 0.3 VisionTransformer names", "cases": []}
    for name, d, depth, classes, image, c, p, gp, ld, wd in CASES:
        tokens = (image // p) ** 2 + 1
        m = VisionTransformer(d, depth, classes, tokens, c, p, gp)
        out["cases"].append({"name": name, "width": d, "depth": depth, "classes": classes, "image": image, "channels": c, "patch": p,
                             "global_pool": gp, "layer_decay": ld, "weight_decay": wd,
                             "param_names": [n for n, _ in m.named_parameters()],
                             "groups": param_groups_lrd(m, wd, m.no_weight_decay(), ld)})
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden", "lrd_groups.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
