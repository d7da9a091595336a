# Golden values for Resample/Interpolation from Pillow (the resampler MAE's torchvision pipeline
# uses on PIL images). Crops first, then resizes the crop, as torchvision's RandomResizedCrop does.
# Run: /usr/bin/python3 pil_resize_golden.py > pil_resize_golden.txt
# Each line: name interpolation top left h w outH outW v0 v1 ... (uint8, row-major, one channel)
import PIL
from PIL import Image

H, W = 13, 17
src = Image.new("L", (W, H))
src.putdata([(y * 37 + x * 11 + (x * y) % 7 * 19) % 256 for y in range(H) for x in range(W)])
cases = [
    ("shrink", 0, 0, H, W, 7, 9),
    ("grow", 0, 0, H, W, 30, 25),
    ("crop", 2, 3, 9, 10, 8, 8),
    ("cropgrow", 1, 4, 5, 6, 16, 16),
]
print("# Pillow", PIL.__version__, "source: (y*37 + x*11 + (x*y)%7*19) % 256 on", H, "x", W)
for name, top, left, h, w, oh, ow in cases:
    crop = src.crop((left, top, left + w, top + h))
    for interp, flag in (("BILINEAR", Image.BILINEAR), ("BICUBIC", Image.BICUBIC)):
        out = crop.resize((ow, oh), flag)
        print(name, interp, top, left, h, w, oh, ow, *out.getdata())
