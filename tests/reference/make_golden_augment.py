"""Golden files for the fine-tuning augmentations, from Pillow and restatements of timm 0.3.x.

RandAugment ("rand-m9-mstd0.5-inc1"): every operation of timm's auto_augment.py applied by Pillow
itself to 8-bit RGB and grey images at fixed arguments, and whole RandAugment draws whose random
numbers are recorded so that the Java side can replay them. Mixup/CutMix (timm mixup.py, batch mode)
and RandomErasing (timm random_erasing.py) are restated here with the same recording; their
numpy/python draws are written next to the results. The recorded draws are the only thing the Java
side takes from here: probabilities, boxes, magnitudes, label mixing and pixels are recomputed.

Run:  /usr/bin/python3 tests/reference/make_golden_augment.py
Writes tests/reference/golden/augment.safetensors.
"""
import math
import os
import random

import numpy as np
import PIL
import torch
from PIL import Image, ImageEnhance, ImageOps

from st_write import save

SEED = 5
MAX_LEVEL = 10.0
UNIFORM, INT, GAUSS, BETA = 0, 1, 2, 3


class Recorder:
    """Random draws with a log: (kind, value, bound). Ints are logged relative to their low end."""

    def __init__(self, seed):
        self.py = random.Random(seed)
        self.np = np.random.RandomState(seed)
        self.log = []

    def random(self):
        v = self.py.random()
        self.log.append((UNIFORM, v, 0))
        return v

    def uniform(self, a, b):
        return a + (b - a) * self.random()

    def randint(self, a, b):  # inclusive, python's random.randint
        v = self.py.randint(a, b)
        self.log.append((INT, float(v - a), b - a + 1))
        return v

    def gauss(self, mu, sigma):
        v = self.py.gauss(mu, sigma)
        self.log.append((GAUSS, v, 0))
        return v

    def np_rand(self):
        v = float(self.np.rand())
        self.log.append((UNIFORM, v, 0))
        return v

    def np_randint(self, lo, hi):  # exclusive, numpy's randint
        v = int(self.np.randint(lo, hi))
        self.log.append((INT, float(v - lo), hi - lo))
        return v

    def np_beta(self, a, b):
        v = float(self.np.beta(a, b))
        self.log.append((BETA, v, 0))
        return v

    def np_choice(self, n):
        v = int(self.np.randint(0, n))
        self.log.append((INT, float(v), n))
        return v


# ---- timm 0.3 auto_augment.py operations, restated on Pillow --------------------------------------

def affine(img, matrix, fill):
    return img.transform(img.size, Image.AFFINE, matrix, resample=Image.BICUBIC, fillcolor=fill)


def op_apply(name, img, arg, fill):
    if name == "AutoContrast":
        return ImageOps.autocontrast(img)
    if name == "Equalize":
        return ImageOps.equalize(img)
    if name == "Invert":
        return ImageOps.invert(img)
    if name == "Rotate":
        return img.rotate(arg, resample=Image.BICUBIC, fillcolor=fill)
    if name == "Posterize":
        return img if arg >= 8 else ImageOps.posterize(img, arg)
    if name == "Solarize":
        return ImageOps.solarize(img, arg)
    if name == "SolarizeAdd":
        lut = [min(255, i + arg) if i < 128 else i for i in range(256)]
        return img.point(lut * (3 if img.mode == "RGB" else 1))
    if name == "Color":
        return ImageEnhance.Color(img).enhance(arg)
    if name == "Contrast":
        return ImageEnhance.Contrast(img).enhance(arg)
    if name == "Brightness":
        return ImageEnhance.Brightness(img).enhance(arg)
    if name == "Sharpness":
        return ImageEnhance.Sharpness(img).enhance(arg)
    if name == "ShearX":
        return affine(img, (1, arg, 0, 0, 1, 0), fill)
    if name == "ShearY":
        return affine(img, (1, 0, 0, arg, 1, 0), fill)
    if name == "TranslateXRel":
        return affine(img, (1, 0, arg * img.size[0], 0, 1, 0), fill)
    if name == "TranslateYRel":
        return affine(img, (1, 0, 0, 0, 1, arg * img.size[1]), fill)
    raise ValueError(name)


# the increasing op set of "inc1", in timm's order
INC_OPS = ["AutoContrast", "Equalize", "Invert", "Rotate", "PosterizeIncreasing", "SolarizeIncreasing", "SolarizeAdd",
           "ColorIncreasing", "ContrastIncreasing", "BrightnessIncreasing", "SharpnessIncreasing", "ShearX", "ShearY",
           "TranslateXRel", "TranslateYRel"]


def negate(r, v):
    return -v if r.random() > 0.5 else v


def level_arg(name, m, r):
    if name in ("AutoContrast", "Equalize", "Invert"):
        return None
    if name == "Rotate":
        return negate(r, (m / MAX_LEVEL) * 30.0)
    if name == "PosterizeIncreasing":
        return 4 - int((m / MAX_LEVEL) * 4)
    if name == "SolarizeIncreasing":
        return 256 - int((m / MAX_LEVEL) * 256)
    if name == "SolarizeAdd":
        return int((m / MAX_LEVEL) * 110)
    if name.endswith("Increasing"):
        return 1.0 + negate(r, (m / MAX_LEVEL) * 0.9)
    if name in ("ShearX", "ShearY"):
        return negate(r, (m / MAX_LEVEL) * 0.3)
    if name in ("TranslateXRel", "TranslateYRel"):
        return negate(r, (m / MAX_LEVEL) * 0.45)
    raise ValueError(name)


def base_name(name):
    return name.replace("Increasing", "")


def rand_augment(img, r, fill, magnitude=9, mstd=0.5, layers=2, prob=0.5):
    """timm RandAugment with AugmentOp(prob 0.5): choose ops with replacement, then per op."""
    chosen = [INC_OPS[r.np_choice(len(INC_OPS))] for _ in range(layers)]
    for name in chosen:
        if prob < 1.0 and r.random() > prob:
            continue
        m = magnitude
        if mstd > 0:
            m = r.gauss(m, mstd)
        m = min(MAX_LEVEL, max(0, m))
        arg = level_arg(name, m, r)
        img = op_apply(base_name(name), img, arg, fill)
    return img


# ---- timm 0.3 mixup.py (batch mode) and random_erasing.py, restated --------------------------------

def rand_bbox(h, w, lam, r):
    ratio = np.sqrt(1 - lam)
    cut_h, cut_w = int(h * ratio), int(w * ratio)
    cy = r.np_randint(0, h)
    cx = r.np_randint(0, w)
    yl = int(np.clip(cy - cut_h // 2, 0, h))
    yh = int(np.clip(cy + cut_h // 2, 0, h))
    xl = int(np.clip(cx - cut_w // 2, 0, w))
    xh = int(np.clip(cx + cut_w // 2, 0, w))
    return yl, yh, xl, xh


def mixup_batch(x, target, classes, r, mixup_alpha=0.8, cutmix_alpha=1.0, prob=1.0, switch_prob=0.5, smoothing=0.1):
    lam, use_cutmix, box = 1.0, False, (0, 0, 0, 0)
    if r.np_rand() < prob:
        use_cutmix = r.np_rand() < switch_prob
        lam = r.np_beta(cutmix_alpha, cutmix_alpha) if use_cutmix else r.np_beta(mixup_alpha, mixup_alpha)
    x = x.clone()
    if lam != 1.0:
        if use_cutmix:
            h, w = x.shape[-2:]
            box = rand_bbox(h, w, lam, r)
            yl, yh, xl, xh = box
            lam = 1.0 - (yh - yl) * (xh - xl) / float(h * w)
            x[:, :, yl:yh, xl:xh] = x.flip(0)[:, :, yl:yh, xl:xh]
        else:
            x_flipped = x.flip(0).mul_(1.0 - lam)
            x.mul_(lam).add_(x_flipped)
    off = smoothing / classes
    on = 1.0 - smoothing + off
    y1 = torch.full((len(target), classes), off).scatter_(1, target.view(-1, 1), on)
    y2 = torch.full((len(target), classes), off).scatter_(1, target.flip(0).view(-1, 1), on)
    return x, y1 * lam + y2 * (1.0 - lam), lam, use_cutmix, box


def random_erasing_box(h, w, r, probability=0.25, min_area=0.02, max_area=1 / 3, min_aspect=0.3):
    """One image's erase decision and box (count 1): None, or (top, left, eh, ew)."""
    log_ratio = (math.log(min_aspect), math.log(1 / min_aspect))
    if r.random() > probability:
        return None
    area = h * w
    for _ in range(10):
        target_area = r.uniform(min_area, max_area) * area / 1
        aspect = math.exp(r.uniform(*log_ratio))
        eh = int(round(math.sqrt(target_area * aspect)))
        ew = int(round(math.sqrt(target_area / aspect)))
        if ew < w and eh < h:
            top = r.randint(0, h - eh)
            left = r.randint(0, w - ew)
            return top, left, eh, ew
    return (-1, -1, 0, 0)


# ---- test images -------------------------------------------------------------------------------------

def test_image(rng, channels, h, w):
    yy, xx = np.mgrid[0:h, 0:w]
    planes = []
    for c in range(channels):
        base = 90 + 70 * np.sin(xx / (2.5 + c)) * np.cos(yy / (3.5 + c)) + 2.0 * xx - 1.5 * yy + 30 * c
        planes.append(base + rng.normal(0, 12, size=(h, w)))
    a = np.clip(np.rint(np.stack(planes)), 0, 255).astype(np.uint8)
    a[:, 2:5, 3:7] = 255 if channels == 3 else 250  # a bright block and a dark one: saturating values
    a[:, h - 5:h - 2, w - 6:w - 3] = 3
    return a


def to_pil(a):
    return Image.fromarray(a[0], "L") if a.shape[0] == 1 else Image.fromarray(np.transpose(a, (1, 2, 0)), "RGB")


def from_pil(img):
    a = np.asarray(img)
    return a[None] if a.ndim == 2 else np.transpose(a, (2, 0, 1))


def ints(a):
    return torch.tensor(np.asarray(a, dtype=np.int64).astype(np.int32))


DIRECT = {
    "AutoContrast": [None], "Equalize": [None], "Invert": [None],
    "Rotate": [-27.25, 13.5, 30.0], "Posterize": [0, 1, 2, 4], "Solarize": [0, 26, 128, 256], "SolarizeAdd": [0, 49, 110],
    "Color": [0.1, 0.55, 1.45, 1.9], "Contrast": [0.1, 0.55, 1.45, 1.9], "Brightness": [0.1, 0.55, 1.45, 1.9],
    "Sharpness": [0.1, 0.55, 1.45, 1.9], "ShearX": [-0.3, 0.17], "ShearY": [-0.27, 0.3],
    "TranslateXRel": [-0.45, 0.2], "TranslateYRel": [0.45, -0.135],
}


def main():
    rng = np.random.default_rng(SEED)
    out = {}
    images = {"rgb": test_image(rng, 3, 20, 24), "grey": test_image(rng, 1, 14, 12)}
    fills = {"rgb": (124, 116, 104), "grey": 73}
    for key, a in images.items():
        out[f"{key}.image"] = ints(a)
        img = to_pil(a)
        for name, args in DIRECT.items():
            for i, arg in enumerate(args):
                out[f"{key}.op.{name}.{i}"] = ints(from_pil(op_apply(name, img, arg, fills[key])))
                if arg is not None:
                    out[f"{key}.arg.{name}.{i}"] = torch.tensor([float(arg)], dtype=torch.float64)
        # whole RandAugment draws, replayable
        for s in range(24):
            r = Recorder(1000 + s)
            res = rand_augment(img, r, fills[key])
            out[f"{key}.randaug.{s}.out"] = ints(from_pil(res))
            write_log(out, f"{key}.randaug.{s}", r.log)

    # mixup / cutmix on a float batch
    classes = 5
    for s in range(16):
        r = Recorder(2000 + s)
        g = torch.Generator().manual_seed(3000 + s)
        x = torch.randn(6, 2, 9, 11, generator=g)
        target = torch.randint(0, classes, (6,), generator=g)
        mixed, soft, lam, cut, box = mixup_batch(x, target, classes, r)
        out[f"mix.{s}.x"] = x
        out[f"mix.{s}.target"] = ints(target.numpy())
        out[f"mix.{s}.mixed"] = mixed
        out[f"mix.{s}.soft"] = soft
        out[f"mix.{s}.lam"] = torch.tensor([lam], dtype=torch.float64)
        out[f"mix.{s}.box"] = ints([int(cut), *box])
        write_log(out, f"mix.{s}", r.log)

    # random erasing boxes on a 3 × 13 × 17 image
    boxes = []
    r = Recorder(4000)
    for _ in range(200):
        b = random_erasing_box(13, 17, r)
        boxes.append([0, 0, 0, 0, 0] if b is None else [1, *b])
    out["erase.boxes"] = ints(boxes)
    write_log(out, "erase", r.log)

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden", "augment.safetensors")
    save(path, out, {"generator": "tests/reference/make_golden_augment.py", "torch": torch.__version__, "pillow": PIL.__version__,
                     "numpy": np.__version__, "seed": SEED, "timm": "auto_augment.py, mixup.py, random_erasing.py of v0.3.3 restated",
                     "fill": "rgb (124, 116, 104) = ImageNet mean; grey 73 = Fashion-MNIST mean"})
    print("wrote", path)


def write_log(out, prefix, log):
    out[prefix + ".draws.kind"] = ints([k for k, _, _ in log] or [0])[: len(log)]
    out[prefix + ".draws.value"] = torch.tensor([v for _, v, _ in log], dtype=torch.float64)
    out[prefix + ".draws.bound"] = ints([b for _, _, b in log] or [0])[: len(log)]


if __name__ == "__main__":
    main()
