#!/usr/bin/env python3
"""Times the reference PyTorch model (shared/reference/ref) the way bin/cvt bench times ours:
same variant, input size, batch sizes, warm-up and timed runs; prints the same kind of line.
MODEL is a zoo name: cvt-13, cvt-21, cvt-w24, vit-s16 (or another vit-*), patchconvnet-s60, ...

usage: OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 bench/reference_bench.py REFERENCE_DIR MODEL SIZE BATCHES [ITERS] [THREADS] [train]
   e.g. ... ../shared/reference cvt-13 224 1,16 5 2
'train' times a fine-tuning step instead (train mode, cross-entropy, backward, AdamW), as bin/cvt bench --train."""
import os
import resource
import sys
import time

ref_dir, model_name, size, batches = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
iters = int(sys.argv[5]) if len(sys.argv) > 5 else 5
threads = int(sys.argv[6]) if len(sys.argv) > 6 else 2
train = len(sys.argv) > 7 and sys.argv[7] == 'train' 
sys.path[:0] = [ref_dir, os.path.join(ref_dir, 'ref')]

import torch  # noqa: E402
import gen  # noqa: E402

torch.set_num_threads(threads)
VIT = {'ti16': 'vit_tiny_patch16_224', 's16': 'vit_small_patch16_224', 's32': 'vit_small_patch32_224',
       'b16': 'vit_base_patch16_224', 'b32': 'vit_base_patch32_224', 'l16': 'vit_large_patch16_224'}
if model_name.startswith('cvt-'):
    model = gen.build_cvt(gen.cvt_spec(model_name), 1000)
elif model_name.startswith('vit-'):
    model = gen.vit.create(VIT[model_name[4:]], 1000)
elif model_name.startswith('patchconvnet-'):
    model = gen.build_pcn(model_name, 1000)
else:
    sys.exit(f'unknown model {model_name}')
if train:
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-5, weight_decay=0.05)
    for b in map(int, batches.split(',')):
        x, y = torch.randn(b, 3, size, size), torch.arange(b) % 1000
        ms = []
        for i in range(2 + iters):
            t = time.perf_counter()
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
            if i >= 2:
                ms.append((time.perf_counter() - t) * 1000)
        ms.sort()
        med = ms[len(ms) // 2]
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
        print(f'train batch {b:3d}: step median {med:8.1f} ms (min {ms[0]:.1f}, max {ms[-1]:.1f}), '
              f'{b * 1000 / med:7.2f} images/s, peak RSS {peak:.2f} GB')
    sys.exit(0)
model.eval()
print(f'pytorch {torch.__version__} {model_name}, {sum(p.numel() for p in model.parameters())} parameters, '
      f'{size}x{size}, {torch.get_num_threads()} threads')
with torch.no_grad():
    for b in map(int, batches.split(',')):
        x = torch.randn(b, 3, size, size)
        for _ in range(2):
            model(x)
        ms = []
        for _ in range(iters):
            t = time.perf_counter()
            model(x)
            ms.append((time.perf_counter() - t) * 1000)
        ms.sort()
        med = ms[len(ms) // 2]
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
        print(f'batch {b:3d}: latency median {med:8.1f} ms (mean {sum(ms) / len(ms):.1f}, min {ms[0]:.1f}, '
              f'max {ms[-1]:.1f}), {b * 1000 / med:7.2f} images/s, peak RSS {peak:.2f} GB')
