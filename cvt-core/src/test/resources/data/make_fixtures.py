#!/usr/bin/python3
"""Regenerates the training-transform fixtures in this folder (run with /usr/bin/python3).

Needs numpy, Pillow, torch and torchvision. Writes:
  * src_wide.png (80x30), src_tall.png (30x80), src_mid.png (50x45), src_box.png (61x47):
    deterministic synthetic RGB images (smooth gradients plus seeded noise);
  * <case>.png: torchvision's output on a PIL image, as 8-bit RGB, for each case below;
  * resized_crop.json: per case, the source, the crop box (top, left, height, width), the output
    size (height, width), the interpolation, the output PNG, and the SHA-256 of the
    little-endian float32 C-order bytes of ToTensor + Normalize(ImageNet mean/std) of the output
    and of its horizontal flip.

Cases: F.resized_crop with fixed boxes, and RandomResizedCrop with scale=(1.5, 2.0), which no
attempt can satisfy (a crop larger than the image), so it always takes the centre-crop fallback;
its box comes from RandomResizedCrop.get_params.
"""
import hashlib
import json
import os

import numpy as np
import torch
from PIL import Image
import torchvision.transforms as T
import torchvision.transforms.functional as F
from torchvision.transforms import InterpolationMode

HERE = os.path.dirname(os.path.abspath(__file__))
MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]
MODES = {'bicubic': InterpolationMode.BICUBIC, 'bilinear': InterpolationMode.BILINEAR}


def synthetic(w, h, seed):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    r = 255 * x / max(w - 1, 1)
    g = 255 * y / max(h - 1, 1)
    b = 127.5 + 127.5 * np.sin(x / 3.0) * np.cos(y / 5.0)
    img = np.stack([r, g, b], axis=-1) + rng.normal(0, 25, (h, w, 3))
    return Image.fromarray(np.clip(np.rint(img), 0, 255).astype(np.uint8), 'RGB')


def tensor_sha(img):
    t = F.normalize(F.to_tensor(img), MEAN, STD)
    return hashlib.sha256(t.numpy().astype('<f4').tobytes()).hexdigest()


def main():
    torch.manual_seed(0)
    sources = {'src_wide.png': (80, 30, 1), 'src_tall.png': (30, 80, 2),
               'src_mid.png': (50, 45, 3), 'src_box.png': (61, 47, 4)}
    images = {}
    for name, (w, h, seed) in sources.items():
        im = synthetic(w, h, seed)
        im.save(os.path.join(HERE, name))
        images[name] = Image.open(os.path.join(HERE, name)).convert('RGB')
    cases = {}

    def add(case, source, box, size, interp, out):
        png = case + '.png'
        out.save(os.path.join(HERE, png))
        cases[case] = {'source': source, 'box': list(box), 'size': list(size),
                       'interpolation': interp, 'output': png,
                       'sha256': tensor_sha(out), 'sha256_flipped': tensor_sha(F.hflip(out))}

    fixed = [('fixed_a', 'src_box.png', (5, 7, 30, 40), (32, 32), 'bicubic'),
             ('fixed_b', 'src_box.png', (0, 0, 47, 61), (24, 40), 'bicubic'),
             ('fixed_c', 'src_box.png', (20, 33, 11, 9), (64, 48), 'bicubic'),
             ('fixed_d', 'src_box.png', (3, 2, 40, 35), (16, 16), 'bilinear')]
    for case, source, box, size, interp in fixed:
        out = F.resized_crop(images[source], *box, list(size), MODES[interp])
        add(case, source, box, size, interp, out)
    for source in ['src_wide.png', 'src_tall.png', 'src_mid.png']:
        for interp, size in [('bicubic', (32, 32)), ('bilinear', (20, 28))]:
            rrc = T.RandomResizedCrop(list(size), scale=(1.5, 2.0),
                                      interpolation=MODES[interp])
            box = rrc.get_params(images[source], rrc.scale, rrc.ratio)
            out = rrc(images[source])
            again = F.resized_crop(images[source], *box, list(size), MODES[interp])
            assert np.array_equal(np.asarray(out), np.asarray(again))
            case = 'fallback_' + source[4:-4] + '_' + interp
            add(case, source, box, size, interp, out)
    with open(os.path.join(HERE, 'resized_crop.json'), 'w') as f:
        json.dump(cases, f, indent=1, sort_keys=True)
        f.write('\n')


if __name__ == '__main__':
    main()
