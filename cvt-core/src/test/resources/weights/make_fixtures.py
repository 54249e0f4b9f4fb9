#!/usr/bin/env python3
"""Generates the test fixtures for org.cvtzoo.core.weights (run from this directory).

    /usr/bin/python3 make_fixtures.py

Writes small .pth / .safetensors / .npy files plus expected.json, which holds for every
fixture the tensors' keys (in order), dtype names, shapes and flat C-order values as
float32 numbers, all computed here by torch/numpy.  The Java tests compare against it.
.safetensors files are written by hand (no safetensors package needed).
"""
import argparse
import io
import json
import os
import random
import struct
import zipfile
from collections import OrderedDict

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
os.chdir(HERE)
torch.manual_seed(1234)
np.random.seed(1234)

EXPECTED = OrderedDict()

TORCH_DTYPE_NAME = {
    torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64",
    torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8",
    torch.uint8: "U8", torch.bool: "BOOL",
}


def expect(fname, tensors):
    """tensors: ordered mapping of the keys the reader should report -> torch tensor."""
    entry = OrderedDict()
    for k, t in tensors.items():
        t = t.detach()
        entry[k] = OrderedDict(
            dtype=TORCH_DTYPE_NAME[t.dtype],
            shape=list(t.shape),
            values=t.to(torch.float32).contiguous().reshape(-1).tolist(),
        )
    EXPECTED[fname] = entry


# ---------------------------------------------------------------- .pth fixtures
def tiny_model_state():
    m = torch.nn.Sequential(
        torch.nn.Conv2d(3, 2, kernel_size=2),
        torch.nn.BatchNorm2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(2 * 3 * 3, 3),
    )
    # give the BN buffers non-trivial values
    with torch.no_grad():
        m[1].running_mean.copy_(torch.randn(2))
        m[1].running_var.copy_(torch.rand(2) + 0.5)
        m[1].num_batches_tracked.fill_(7)
    return m.state_dict()


sd = tiny_model_state()
bare = OrderedDict(sd)
bare["param"] = torch.nn.Parameter(torch.randn(2, 2))  # pickled via _rebuild_parameter
torch.save(bare, "bare.pth")
expect("bare.pth", bare)

# training checkpoint: state_dict under 'model', plus epoch / args / optimizer / numpy scalar,
# and a 'model_ema' that must NOT be chosen because 'model' comes first.
sd2 = tiny_model_state()
ema = OrderedDict((k, v.clone() + 1) for k, v in sd2.items())
params = [torch.nn.Parameter(v.clone().float()) for k, v in sd2.items() if v.is_floating_point()]
opt = torch.optim.SGD(params, lr=0.1, momentum=0.9)
for p in params:
    p.grad = torch.ones_like(p)
opt.step()
ckpt = {
    "epoch": 3,
    "model": sd2,
    "model_ema": ema,
    "optimizer": opt.state_dict(),
    "args": argparse.Namespace(lr=0.1, name="tiny", sizes=[1, 2], flag=True),
    "best_acc": np.float64(0.75),
    "arch": "tiny",
}
torch.save(ckpt, "wrapped_model.pth")
expect("wrapped_model.pth", sd2)

# 'state_dict' wrapper + DataParallel 'module.' prefixes (stripped by the reader)
sd3 = tiny_model_state()
torch.save({"state_dict": OrderedDict(("module." + k, v) for k, v in sd3.items()), "epoch": 9},
           "wrapped_state_dict_module.pth")
expect("wrapped_state_dict_module.pth", sd3)

# bare state_dict with 'module.' prefixes
sd4 = tiny_model_state()
torch.save(OrderedDict(("module." + k, v) for k, v in sd4.items()), "module_prefix.pth")
expect("module_prefix.pth", sd4)

# only 'model_ema'
sd5 = tiny_model_state()
torch.save({"model_ema": sd5, "epoch": 1}, "wrapped_model_ema.pth")
expect("wrapped_model_ema.pth", sd5)

# views: offsets, non-contiguous strides, shared storages, stride-0 expansion
base = torch.arange(24, dtype=torch.float32).reshape(4, 6) * 0.5 - 3.0
views = OrderedDict()
views["base"] = base
views["rows"] = base[1:3]            # storage offset 6, contiguous
views["col"] = base[:, 2]            # offset 2, stride 6
views["transposed"] = base.t()       # strides (1, 6)
views["block"] = base[1:3, 2:5]      # offset 8, strides (6, 1)
views["flat_tail"] = base.view(-1)[20:]  # offset 20
views["expanded"] = torch.randn(1, 3).expand(4, 3)  # stride 0 on dim 0
views["halfsplit_a"], views["halfsplit_b"] = torch.randn(10).split(5)  # two views of one storage
assert views["rows"].storage_offset() == 6 and views["transposed"].stride() == (1, 6)
torch.save(views, "views.pth")
expect("views.pth", views)

# dtypes, specials, scalars, empty tensor
f16 = torch.tensor([1.0, -2.5, 65504.0, 6.1e-5, 5.96e-8, -0.0, float("inf"), float("-inf"),
                    float("nan"), 0.1, 3.14159], dtype=torch.float16)
bf16 = torch.tensor([1.0, -2.5, 3.0e38, 1.0e-40, -0.0, float("inf"), float("nan"), 0.1, 3.14159],
                    dtype=torch.bfloat16)
dt = OrderedDict()
dt["f32"] = torch.randn(2, 3)
dt["f16"] = f16
dt["f16_2d"] = torch.randn(3, 4).half()
dt["bf16"] = bf16
dt["f64"] = torch.randn(2, 2, dtype=torch.float64) * 1e3
dt["i64"] = torch.tensor([[0, -1, 123456789], [2 ** 40 + 1, -(2 ** 33), 16777217]], dtype=torch.int64)
dt["i32"] = torch.tensor([-7, 0, 2 ** 31 - 1], dtype=torch.int32)
dt["i16"] = torch.tensor([-300, 300], dtype=torch.int16)
dt["i8"] = torch.tensor([-128, 127, 5], dtype=torch.int8)
dt["u8"] = torch.tensor([0, 255, 17], dtype=torch.uint8)
dt["bool"] = torch.tensor([True, False, True])
dt["scalar"] = torch.tensor(2.75)
dt["scalar_i64"] = torch.tensor(42)
dt["empty"] = torch.zeros(0, 3)
torch.save(dt, "dtypes.pth")
expect("dtypes.pth", dt)

# unsupported dtype: complex64 (key listed, get() fails)
torch.save(OrderedDict(ok=torch.ones(2), z=torch.ones(2, dtype=torch.complex64)), "complex.pth")

# legacy (pre-1.6) torch.save format: not supported, must say so
torch.save(OrderedDict(w=torch.ones(2)), "legacy.pth", _use_new_zipfile_serialization=False)

# a whole pickled nn.Module instead of a state_dict
torch.save(torch.nn.Linear(2, 2), "whole_module.pth")

# a dict without tensors
torch.save({"epoch": 1, "arch": "none"}, "no_tensors.pth")

# corrupt variants
with open("bare.pth", "rb") as f:
    bare_bytes = f.read()
with open("truncated.pth", "wb") as f:
    f.write(bare_bytes[: len(bare_bytes) // 2])

def zinfo(name):
    return zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))  # reproducible bytes


with zipfile.ZipFile("zip_without_pkl.pth", "w") as z:
    z.writestr(zinfo("archive/version"), "3\n")
    z.writestr(zinfo("archive/readme.txt"), "no pickle here\n")

# data.pkl references storages; drop one storage entry
with zipfile.ZipFile("bare.pth") as src, zipfile.ZipFile("missing_storage.pth", "w") as dst:
    names = src.namelist()
    storage_entries = sorted(n for n in names if "/data/" in n)
    dropped = storage_entries[0]
    for n in names:
        if n != dropped:
            dst.writestr(zinfo(n), src.read(n))

rng = random.Random(42)
with open("random.bin", "wb") as f:
    f.write(bytes(rng.randrange(256) for _ in range(1000)))

# ---------------------------------------------------------------- .safetensors fixtures
ST_DTYPE = {"F32": "<f4", "F16": "<f2", "F64": "<f8", "I64": "<i8", "I32": "<i4",
            "I16": "<i2", "I8": "i1", "U8": "u1", "BOOL": "?"}


def tensor_bytes(t):
    if t.dtype == torch.bfloat16:
        return t.contiguous().view(torch.int16).numpy().astype("<i2").tobytes()
    return t.contiguous().numpy().astype(ST_DTYPE[TORCH_DTYPE_NAME[t.dtype]]).tobytes()


def safetensors_bytes(tensors, metadata=None, header_override=None):
    header = OrderedDict()
    if metadata is not None:
        header["__metadata__"] = metadata
    blobs = []
    pos = 0
    for k, t in tensors.items():
        b = tensor_bytes(t)
        header[k] = OrderedDict(dtype=TORCH_DTYPE_NAME[t.dtype], shape=list(t.shape),
                                data_offsets=[pos, pos + len(b)])
        blobs.append(b)
        pos += len(b)
    if header_override:
        header_override(header)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(blobs)


st = OrderedDict()
st["a.f32"] = torch.randn(2, 3)
st["a.f16"] = f16
st["a.bf16"] = bf16
st["a.f64"] = torch.randn(3, dtype=torch.float64)
st["a.i64"] = torch.tensor([[5, -6], [2 ** 40 + 1, 0]], dtype=torch.int64)
st["a.i32"] = torch.tensor([-7, 0, 9], dtype=torch.int32)
st["a.i16"] = torch.tensor([-300, 300], dtype=torch.int16)
st["a.i8"] = torch.tensor([-128, 127], dtype=torch.int8)
st["a.u8"] = torch.tensor([0, 255], dtype=torch.uint8)
st["a.bool"] = torch.tensor([True, False])
st["scalar"] = torch.tensor(-1.5)
st["empty"] = torch.zeros(2, 0)
with open("dtypes.safetensors", "wb") as f:
    f.write(safetensors_bytes(st, metadata={"format": "pt", "note": "fixture"}))
expect("dtypes.safetensors", st)

small = OrderedDict()
small["w"] = torch.randn(4, 4)
small["b"] = torch.randn(4)
good = safetensors_bytes(small)
with open("truncated.safetensors", "wb") as f:
    f.write(good[: len(good) - 20])


def bump_end(h):
    h["b"]["data_offsets"][1] += 400  # claims more bytes than there are


with open("offsets_beyond_file.safetensors", "wb") as f:
    f.write(safetensors_bytes(small, header_override=bump_end))


def wrong_shape(h):
    h["b"]["shape"] = [5]  # 5 floats = 20 bytes but offsets span 16


with open("size_mismatch.safetensors", "wb") as f:
    f.write(safetensors_bytes(small, header_override=wrong_shape))


def fp8(h):
    h["b"]["dtype"] = "F8_E4M3"
    h["b"]["shape"] = [16]


with open("unsupported_dtype.safetensors", "wb") as f:
    f.write(safetensors_bytes(small, header_override=fp8))

with open("absurd_header.safetensors", "wb") as f:
    f.write(struct.pack("<Q", 1 << 40) + b'{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}' + b"\0" * 4)

with open("bad_json.safetensors", "wb") as f:
    h = b'{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]'  # unterminated
    h += b" " * ((8 - len(h) % 8) % 8)
    f.write(struct.pack("<Q", len(h)) + h + b"\0" * 4)

# ---------------------------------------------------------------- .npy fixtures
npy = OrderedDict()
npy["f32.npy"] = np.random.randn(2, 3, 4).astype(np.float32)
npy["f64.npy"] = np.random.randn(3, 5) * 100.0
npy["i64.npy"] = np.array([[1, -2, 2 ** 40 + 1], [16777217, 0, 7]], dtype=np.int64)
npy["i32.npy"] = np.array([-5, 6, 2 ** 31 - 1], dtype=np.int32)
npy["u8.npy"] = np.array([[0, 128], [255, 3]], dtype=np.uint8)
npy["f16.npy"] = np.array([1.5, -0.0, 65504, 6.0e-8], dtype=np.float16)
npy["scalar.npy"] = np.array(3.25, dtype=np.float32)
npy["empty.npy"] = np.zeros((0, 4), dtype=np.float32)
npy["big_endian.npy"] = np.arange(6, dtype=">f4").reshape(2, 3) / 3
npy["fortran.npy"] = np.asfortranarray(np.random.randn(3, 4, 2).astype(np.float32))
npy["rank5.npy"] = np.random.randn(1, 2, 1, 3, 2).astype(np.float32)
npy_expect = OrderedDict()
for name, arr in npy.items():
    np.save(name, arr)
    npy_expect[name] = OrderedDict(
        dtype=arr.dtype.str, shape=list(arr.shape),
        values=arr.astype(np.float32).reshape(-1, order="C").tolist() if arr.ndim else [float(np.float32(arr))])
assert np.load("fortran.npy").flags.f_contiguous


def npy_with_version(arr, major):
    """Same header dict, but in a version-2 or -3 container (4-byte header length)."""
    d = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (arr.dtype.str, repr(tuple(arr.shape)))
    pre = 6 + 2 + 4
    total = pre + len(d) + 1
    pad = (64 - total % 64) % 64
    h = (d + " " * pad + "\n").encode("latin1" if major == 2 else "utf-8")
    return b"\x93NUMPY" + bytes([major, 0]) + struct.pack("<I", len(h)) + h + arr.tobytes(order="C")


v2 = np.random.randn(2, 2).astype(np.float32)
with open("v2.npy", "wb") as f:
    f.write(npy_with_version(v2, 2))
with open("v3.npy", "wb") as f:
    f.write(npy_with_version(v2, 3))
npy_expect["v2.npy"] = npy_expect["v3.npy"] = OrderedDict(
    dtype="<f4", shape=[2, 2], values=v2.reshape(-1).tolist())
EXPECTED["npy"] = npy_expect

with open("bad_magic.npy", "wb") as f:
    f.write(b"NOTNUMPY" + b"\0" * 120)
np.save("complex.npy", np.array([1 + 2j, 3 - 1j], dtype=np.complex64))
big = np.zeros((2, 3, 64, 64), dtype=np.float32)
buf = io.BytesIO()
np.save(buf, big)
raw = buf.getvalue()
hdr_len = 10 + struct.unpack("<H", raw[8:10])[0]
with open("truncated.npy", "wb") as f:
    f.write(raw[: hdr_len + 1000])

# pickle protocol 4 (FRAME, SHORT_BINUNICODE, MEMOIZE, STACK_GLOBAL) with a shared storage
g = torch.Generator().manual_seed(99)
p4base = torch.randn(3, 4, generator=g)
p4 = OrderedDict()
p4["layer.weight"] = p4base
p4["layer.weight_t"] = p4base.t()
p4["layer.bias"] = torch.randn(4, generator=g).to(torch.float16)
torch.save(p4, "proto4.pth", pickle_protocol=4)
expect("proto4.pth", p4)

with open("expected.json", "w") as f:
    json.dump(EXPECTED, f, indent=1)

total = sum(os.path.getsize(n) for n in os.listdir(".") if os.path.isfile(n))
print("fixtures written; directory total %d bytes" % total)
