"""Golden .pth files written by PyTorch itself, for Tessera's .pth reader (no Python at read time).

Run:  /usr/bin/python3 tests/reference/make_golden_pth.py
Writes into tests/reference/golden/ (small files, a few KB each, except the micro MAE):
  pth_mae_micro.pth          {'model': MAE micro16 state_dict() (float32, with _metadata), 'epoch': 3,
                              'args': {...}} -- the weights of mae_tiny.safetensors ('weights.*'), so
                              the .pth and the safetensors paths can be compared bit for bit
  pth_lut_nano.pth           a flat LUT state_dict (BatchNorm num_batches_tracked = 7 as 0-d int64)
  pth_lut_nano.safetensors   the same state as float (counters as (1) floats), for comparison
  pth_dtypes.pth             F32/F16/BF16/F64/I64/I32/I16/I8/U8/BOOL tensors, a 0-d and an empty tensor,
                             views saved as they are (transpose, offset slice, stride-0 expand, two
                             views of one storage), an nn.Parameter
  pth_dtypes_legacy.pth      the same dict in the legacy format (_use_new_zipfile_serialization=False)
  pth_dtypes_big.pth         the same dict rewritten big-endian (archive/byteorder = "big")
  pth_dtypes.safetensors     every entry of that dict, contiguous, as the values torch shows
  pth_plain_data.pth         numbers, strings, tuples, lists, nested dicts, None, a big int, floats
  pth_evil_*.pth             pickles that must be refused (each checked here to be refused by
                             torch.load(weights_only=True) too): __reduce__ calling os.system,
                             builtins.eval, STACK_GLOBAL, INST, a non-storage persistent id, a whole
                             nn.Module, a NumPy scalar, a legacy-format os.system
"""
import collections
import io
import json
import os
import pickle
import struct
import sys
import zipfile

import numpy as np
import torch

from mae_reference import MaskedAutoencoderViT
from lut_reference import LutReference, float_state
from st_write import save

SEED = 2024
GOLDEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden")
MAE_CFG = dict(img_size=16, patch_size=4, in_chans=3, embed_dim=32, depth=2, num_heads=4,
               decoder_embed_dim=24, decoder_depth=1, decoder_num_heads=3)
LUT_CFG = dict(img_size=8, patch_size=4, in_chans=3, embed_dim=8, depth=1, num_heads=2,
               decoder_embed_dim=8, decoder_depth=1, decoder_num_heads=2)
LUT_HIDDEN = 12
META = {"generator": "tests/reference/make_golden_pth.py", "torch": torch.__version__, "seed": SEED}


def path(name):
    return os.path.join(GOLDEN, name)


def read_safetensors(p):
    with open(p, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    dt = {"F64": torch.float64, "F32": torch.float32, "I64": torch.int64}
    out = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        a, b = v["data_offsets"]
        out[k] = torch.frombuffer(bytearray(data[a:b]), dtype=dt[v["dtype"]]).reshape(v["shape"])
    return out


def mae_micro():
    """The micro MAE with mae_tiny.safetensors' weights, in float32, saved nested under 'model'."""
    w = read_safetensors(path("mae_tiny.safetensors"))
    model = MaskedAutoencoderViT(norm_pix_loss=True, **MAE_CFG).float()
    sd = {k[len("weights."):]: v.float() for k, v in w.items() if k.startswith("weights.")}
    model.load_state_dict(sd, strict=True)
    ckpt = {"model": model.state_dict(), "epoch": 3,
            "args": {"model": "mae_vit_micro16", "mask_ratio_percent": 75, "norm_pix_loss": True, "blr": "1.5e-4"}}
    torch.save(ckpt, path("pth_mae_micro.pth"))
    return ckpt


def lut_nano():
    torch.manual_seed(SEED)
    model = LutReference(LUT_HIDDEN, norm_pix_loss=True, **LUT_CFG)
    g = torch.Generator().manual_seed(SEED + 1)
    with torch.no_grad():
        for seq in (model.head, model.predictor):
            bn = seq[1]
            bn.weight.copy_(1 + 0.2 * torch.randn(bn.weight.shape, generator=g))
            bn.running_mean.copy_(0.3 * torch.randn(bn.running_mean.shape, generator=g))
            bn.running_var.copy_(0.5 + torch.rand(bn.running_var.shape, generator=g))
            bn.num_batches_tracked.fill_(7)
    sd = model.state_dict()
    assert sd["head.1.num_batches_tracked"].dim() == 0 and sd["head.1.num_batches_tracked"].dtype == torch.int64
    torch.save(sd, path("pth_lut_nano.pth"))
    save(path("pth_lut_nano.safetensors"), float_state(model), dict(META, config=str(LUT_CFG), head_hidden=LUT_HIDDEN))


def dtypes_dict():
    g = torch.Generator().manual_seed(SEED + 2)
    base = torch.randn(4, 3, generator=g)
    strided = torch.randn(5, 6, generator=g)
    row = torch.randn(1, 4, generator=g)
    pair = torch.randn(2, 3, generator=g)
    d = collections.OrderedDict()
    d["f32"] = torch.randn(3, 4, generator=g)
    d["f16"] = torch.randn(5, generator=g).half()
    d["bf16"] = torch.randn(2, 3, generator=g).bfloat16()
    d["f64"] = torch.randn(2, 2, generator=g).double()
    d["i64"] = torch.tensor([-3, 0, 7, 2 ** 40, -2 ** 62], dtype=torch.int64)
    d["i32"] = torch.tensor([-2 ** 31, 5, 2 ** 31 - 1], dtype=torch.int32)
    d["i16"] = torch.tensor([-300, 12], dtype=torch.int16)
    d["i8"] = torch.tensor([-128, 127, 3], dtype=torch.int8)
    d["u8"] = torch.tensor([0, 255, 17], dtype=torch.uint8)
    d["bool"] = torch.tensor([True, False, True])
    d["scalar"] = torch.tensor(2.5)
    d["empty"] = torch.zeros(0, 3)
    d["view_transposed"] = base.t()
    d["view_slice"] = strided[1:, ::2]
    d["view_expanded"] = row.expand(3, 4)
    d["shared_0"] = pair[0]
    d["shared_1"] = pair[1]
    d["param"] = torch.nn.Parameter(torch.randn(2, generator=g))
    assert not d["view_transposed"].is_contiguous() and d["view_slice"].storage_offset() == 6
    return d


def dtypes():
    d = dtypes_dict()
    torch.save(d, path("pth_dtypes.pth"))
    torch.save(d, path("pth_dtypes_legacy.pth"), _use_new_zipfile_serialization=False)
    save(path("pth_dtypes.safetensors"), {k: v.detach().contiguous() for k, v in d.items()}, META)
    big_endian(path("pth_dtypes.pth"), path("pth_dtypes_big.pth"))
    return d


def big_endian(src, dst):
    """The zip file rewritten as a big-endian machine writes it: every storage byte-swapped, byteorder 'big'."""
    with zipfile.ZipFile(src) as z:
        folder = z.namelist()[0].split("/")[0]
        pkl = z.read(folder + "/data.pkl")
        storage_class = {}

        class Probe(pickle.Unpickler):  # only to learn each storage's class; builds nothing
            def find_class(self, module, name):
                if module == "torch" and name.endswith("Storage"):
                    return name
                if (module, name) in (("torch._utils", "_rebuild_tensor_v2"), ("torch._utils", "_rebuild_parameter")):
                    return lambda *a: None
                if (module, name) == ("collections", "OrderedDict"):
                    return collections.OrderedDict
                raise pickle.UnpicklingError(module + "." + name)

            def persistent_load(self, pid):
                storage_class[pid[2]] = pid[1]

        Probe(io.BytesIO(pkl)).load()
        width = {"FloatStorage": 4, "HalfStorage": 2, "BFloat16Storage": 2, "DoubleStorage": 8, "LongStorage": 8,
                 "IntStorage": 4, "ShortStorage": 2, "CharStorage": 1, "ByteStorage": 1, "BoolStorage": 1}
        out_folder = os.path.splitext(os.path.basename(dst))[0]
        with zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as out:
            for info in z.infolist():
                rel = info.filename.split("/", 1)[1]
                data = z.read(info.filename)
                if rel.startswith("data/"):
                    w = width[storage_class[rel[len("data/"):]]]
                    data = b"".join(data[i:i + w][::-1] for i in range(0, len(data), w))
                out.writestr(out_folder + "/" + rel, data)
                if rel == "data.pkl":
                    out.writestr(out_folder + "/byteorder", b"big")


def plain_data():
    ckpt = {"model": collections.OrderedDict(w=torch.arange(6, dtype=torch.float32).reshape(2, 3)),
            "lr": 1.5e-4, "betas": (0.9, 0.95), "big": 2 ** 70, "neg": -5, "zero": 0, "large": 2 ** 40,
            "none": None, "flag": False, "name": "ünïcode ✓", "list": [1, 2, [3, "x"]],
            "nested": {"a": {"b": 1}}, "int_keys": {0: "zero", 7: "seven"}, "tuple_key": {(1, 2): "pair"}}
    torch.save(ckpt, path("pth_plain_data.pth"))


class EvilSystem:
    def __reduce__(self):
        return os.system, ("echo tessera-test-should-never-print",)


class EvilEval:
    def __reduce__(self):
        return eval, ("__import__('os').system('echo tessera-test-should-never-print')",)


def raw_pth(name, pickle_bytes):
    """A zip .pth around a hand-made data.pkl, written with torch's own archive writer."""
    w = torch._C.PyTorchFileWriter(path(name))
    w.write_record("data.pkl", pickle_bytes, len(pickle_bytes))
    w.write_record("version", b"3\n", 2)
    del w


def evil():
    small = collections.OrderedDict(w=torch.ones(2))
    torch.save({"model": small, "x": EvilSystem()}, path("pth_evil_reduce.pth"))
    torch.save({"model": small, "x": EvilEval()}, path("pth_evil_eval.pth"))
    torch.save({"model": small, "x": EvilSystem()}, path("pth_evil_legacy.pth"), _use_new_zipfile_serialization=False)
    torch.save(torch.nn.Linear(2, 2), path("pth_evil_module.pth"))
    torch.save({"model": small, "stats": np.float64(1.0)}, path("pth_evil_numpy.pth"))
    cmd = b"echo tessera-test-should-never-print"
    # protocol 4: STACK_GLOBAL of 'os' 'system' on the stack
    stack_global = (b"\x80\x04\x8c\x02os\x8c\x06system\x93\x8c" + bytes([len(cmd)]) + cmd + b"\x85R.")
    raw_pth("pth_evil_stack_global.pth", stack_global)
    # protocol 0/1 INST: calls os.system('...') while building
    inst = b"\x80\x02(X" + struct.pack("<I", len(cmd)) + cmd + b"ios\nsystem\n."
    raw_pth("pth_evil_inst.pth", inst)
    # a persistent id that is not a storage
    persid = b"\x80\x02X\x06\x00\x00\x00moduleX\x01\x00\x00\x00x\x86Q."
    raw_pth("pth_evil_persid.pth", persid)
    for name in ["pth_evil_reduce.pth", "pth_evil_eval.pth", "pth_evil_legacy.pth", "pth_evil_module.pth", "pth_evil_numpy.pth",
                 "pth_evil_stack_global.pth", "pth_evil_inst.pth", "pth_evil_persid.pth"]:
        try:
            torch.load(path(name), weights_only=True)
        except Exception as e:  # torch refuses it too
            print("refused by torch.load(weights_only=True):", name, "-", str(e).split("error: ")[-1][:100])
        else:
            sys.exit(name + " was accepted by torch.load(weights_only=True)")


def main():
    os.makedirs(GOLDEN, exist_ok=True)
    mae = mae_micro()
    lut_nano()
    d = dtypes()
    plain_data()
    evil()
    # the good files load with weights_only=True and give what was saved
    for name in ["pth_mae_micro.pth", "pth_lut_nano.pth", "pth_dtypes.pth", "pth_dtypes_legacy.pth"]:
        torch.load(path(name), weights_only=True)
    loaded = torch.load(path("pth_dtypes_legacy.pth"))
    for k in d:
        assert torch.equal(loaded[k], d[k]), k
    assert torch.equal(torch.load(path("pth_mae_micro.pth"))["model"]["blocks.1.mlp.fc2.weight"], mae["model"]["blocks.1.mlp.fc2.weight"])
    for name in sorted(os.listdir(GOLDEN)):
        if name.startswith("pth_"):
            print("wrote", name, os.path.getsize(path(name)), "bytes")


if __name__ == "__main__":
    main()
