#!/usr/bin/env python3
"""PyTorch's AvgPool2d(k, s, p, ceil_mode=True, count_include_pad=True) on random inputs, for
OpsTest: one case per line of CASES, written as pool_<h>x<w>_k<k>s<s>p<p>_{in,out}.npy."""
import os
import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = [(16, 16, 3, 2, 1), (7, 9, 3, 2, 1), (5, 8, 2, 3, 1), (11, 6, 3, 2, 0), (6, 13, 4, 3, 2), (3, 3, 3, 1, 1)]
g = torch.Generator().manual_seed(5)
for h, w, k, s, p in CASES:
    x = torch.randn(2, 3, h, w, generator=g, dtype=torch.float64)
    y = F.avg_pool2d(x, k, s, p, ceil_mode=True, count_include_pad=True)
    name = f'pool_{h}x{w}_k{k}s{s}p{p}'
    np.save(os.path.join(HERE, name + '_in.npy'), x.float().numpy())
    np.save(os.path.join(HERE, name + '_out.npy'), F.avg_pool2d(x.float().double(), k, s, p, ceil_mode=True,
                                                                  count_include_pad=True).numpy())
    print(name, tuple(y.shape))
