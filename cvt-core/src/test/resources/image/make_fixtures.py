#!/usr/bin/python3
"""Regenerates the image fixtures in this folder (run with /usr/bin/python3 from anywhere).

Needs Pillow, numpy, torch + torchvision (for /work/shared/reference/gen.py --preprocess) and
scikit-image's bundled sample photographs (python3-skimage). Writes:
  * copies / lossless derivatives of skimage sample images, plus a few synthetic ones
    (16-bit PNGs, a CMYK JPEG, an RGBA PNG with fully transparent colourful pixels, a grey+alpha PNG, a BMP);
  * broken files (truncated JPEG and PNG, a text file, an empty file);
  * decode.json: for each readable image, PIL's Image.open(p).convert('RGB') as width, height,
    SHA-256 of the HWC uint8 bytes and per-channel sums; for each broken one, PIL's error;
  * <stem>__<transform>.npy.gz: gen.py --preprocess output (float32 CHW) for the pairs in NPY;
  * ops.json: Pillow's Image.resize with each filter and torchvision's CenterCrop (with its
    zero padding) on small images, as size + SHA-256 of the HWC uint8 bytes;
  * preprocess.json: shape and SHA-256 of the little-endian float32 C-order bytes of gen.py's
    output for every image x transform.
"""
import gzip
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
SK = '/usr/lib/python3/dist-packages/skimage/data'
GEN = '/work/shared/reference/gen.py'

# Images run through gen.py --preprocess (all four transforms; hashes for all of them).
PREPROCESS = ['rocket.jpg', 'chelsea.png', 'camera_320.png', 'horse.png', 'green_palette.png',
              'no_time_for_that_tiny.gif', 'chelsea_150x100.bmp']
# (stem, transform) pairs whose full tensors are kept (gzipped .npy).
NPY = [('rocket', 'cvt_224'), ('chelsea', 'cvt_224'), ('chelsea', 'vit_224'),
       ('camera_320', 'patchconvnet_224'), ('horse', 'cvt_224'), ('horse', 'cvt_384')]


def png_chunk(kind, data):
    return (struct.pack('>I', len(data)) + kind + data
            + struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff))


def write_png16(path, arr, colour_type):
    """A 16-bit PNG written by hand (Pillow cannot write 16-bit RGB)."""
    h, w = arr.shape[:2]
    raw = b''.join(b'\x00' + arr[y].astype('>u2').tobytes() for y in range(h))
    ihdr = struct.pack('>IIBBBBB', w, h, 16, colour_type, 0, 0, 0)
    with open(path, 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n' + png_chunk(b'IHDR', ihdr)
                + png_chunk(b'IDAT', zlib.compress(raw, 9)) + png_chunk(b'IEND', b''))


def make_images():
    for name in ['rocket.jpg', 'chelsea.png', 'horse.png', 'green_palette.png',
                 'foo3x5x4indexed.png', 'palette_gray.png', 'no_time_for_that_tiny.gif',
                 'checker_bilevel.png', 'truncated.jpg']:
        shutil.copyfile(os.path.join(SK, name), os.path.join(HERE, name))
    # grey photograph, downscaled (lossless PNG) to keep the fixtures small
    Image.open(os.path.join(SK, 'camera.png')).resize((320, 320), Image.LANCZOS).save(
        os.path.join(HERE, 'camera_320.png'))
    chelsea = Image.open(os.path.join(SK, 'chelsea.png')).convert('RGB')
    chelsea.resize((150, 100), Image.LANCZOS).save(os.path.join(HERE, 'chelsea_150x100.bmp'))
    rng = np.random.default_rng(7)
    rgba = rng.integers(0, 256, (24, 32, 4), dtype=np.uint8)
    rgba[::3, :, 3] = 0  # fully transparent but colourful rows: convert('RGB') keeps their colour
    Image.fromarray(rgba, 'RGBA').save(os.path.join(HERE, 'rgba_random.png'))
    la = rng.integers(0, 256, (20, 30, 2), dtype=np.uint8)
    Image.fromarray(la, 'LA').save(os.path.join(HERE, 'grey_alpha.png'))
    g16 = (np.arange(40 * 50, dtype=np.int64).reshape(40, 50) * 37 % 65536).astype(np.uint16)
    g16[:4, :4] = [[0, 1, 255, 256], [257, 1000, 65535, 128], [254, 255, 300, 7], [9, 8, 7, 6]]
    write_png16(os.path.join(HERE, 'grey16.png'), g16, 0)
    rgb16 = rng.integers(0, 65536, (30, 20, 3), dtype=np.uint16)
    write_png16(os.path.join(HERE, 'rgb16.png'), rgb16, 2)
    cmyk = rng.integers(0, 256, (16, 24, 4), dtype=np.uint8)
    Image.fromarray(cmyk, 'CMYK').save(os.path.join(HERE, 'random_cmyk.jpg'), quality=95)
    # broken files
    data = open(os.path.join(SK, 'rocket.jpg'), 'rb').read()
    open(os.path.join(HERE, 'rocket_truncated.jpg'), 'wb').write(data[:len(data) * 6 // 10])
    data = open(os.path.join(SK, 'horse.png'), 'rb').read()
    open(os.path.join(HERE, 'horse_truncated.png'), 'wb').write(data[:len(data) // 2])
    open(os.path.join(HERE, 'not_an_image.png'), 'w').write('this is not an image\n')
    open(os.path.join(HERE, 'empty.jpg'), 'wb').close()


DECODE = ['rocket.jpg', 'chelsea.png', 'camera_320.png', 'horse.png', 'green_palette.png',
          'foo3x5x4indexed.png', 'palette_gray.png', 'no_time_for_that_tiny.gif',
          'checker_bilevel.png', 'chelsea_150x100.bmp', 'rgba_random.png', 'grey_alpha.png',
          'grey16.png', 'rgb16.png', 'random_cmyk.jpg']
BROKEN = ['truncated.jpg', 'rocket_truncated.jpg', 'horse_truncated.png', 'not_an_image.png',
          'empty.jpg']


def decode_json():
    out = {}
    for name in DECODE:
        im = Image.open(os.path.join(HERE, name))
        a = np.ascontiguousarray(np.asarray(im.convert('RGB'), dtype=np.uint8))
        out[name] = dict(mode=im.mode, width=im.size[0], height=im.size[1],
                         sha256=hashlib.sha256(a.tobytes()).hexdigest(),
                         sums=[int(a[..., c].sum()) for c in range(3)])
    for name in BROKEN:
        try:
            Image.open(os.path.join(HERE, name)).convert('RGB')
            raise SystemExit(name + ': PIL reads it')
        except OSError as e:  # UnidentifiedImageError is an OSError too
            out[name] = dict(error='%s: %s' % (type(e).__name__, e))
    with open(os.path.join(HERE, 'decode.json'), 'w') as f:
        json.dump(out, f, indent=1)


def preprocess():
    tmp = tempfile.mkdtemp()
    try:
        subprocess.run([sys.executable, GEN, '--preprocess', tmp]
                       + [os.path.join(HERE, n) for n in PREPROCESS], check=True)
        hashes = {}
        for name in PREPROCESS:
            stem = os.path.splitext(name)[0]
            for npy in sorted(os.listdir(os.path.join(tmp, stem))):
                a = np.load(os.path.join(tmp, stem, npy))
                assert a.dtype == np.float32
                b = np.ascontiguousarray(a).astype('<f4').tobytes()
                hashes['%s/%s' % (name, npy[:-4])] = dict(
                    shape=list(a.shape), sha256=hashlib.sha256(b).hexdigest())
        for stem, t in NPY:
            with open(os.path.join(tmp, stem, t + '.npy'), 'rb') as src, \
                    gzip.GzipFile(os.path.join(HERE, '%s__%s.npy.gz' % (stem, t)), 'wb',
                                  compresslevel=9, mtime=0) as dst:
                shutil.copyfileobj(src, dst)
        with open(os.path.join(HERE, 'preprocess.json'), 'w') as f:
            json.dump(hashes, f, indent=1)
    finally:
        shutil.rmtree(tmp)


def rgb_entry(im):
    a = np.ascontiguousarray(np.asarray(im.convert('RGB'), dtype=np.uint8))
    return dict(width=im.size[0], height=im.size[1],
                sha256=hashlib.sha256(a.tobytes()).hexdigest())


def ops_json():
    from torchvision import transforms as T
    rng = np.random.default_rng(11)
    Image.fromarray(rng.integers(0, 256, (23, 37, 3), dtype=np.uint8), 'RGB').save(
        os.path.join(HERE, 'noise_37x23.png'))
    filters = dict(box=Image.BOX, bilinear=Image.BILINEAR, hamming=Image.HAMMING,
                   bicubic=Image.BICUBIC, lanczos=Image.LANCZOS)
    out = {'resize': {}, 'center_crop': {}}
    sources = {'noise_37x23.png': [(37, 23), (80, 50), (16, 9), (5, 40), (1, 1), (100, 23),
                                   (37, 61)],
               'chelsea.png': [(97, 61), (451, 150), (1000, 700), (256, 170)]}
    for name, sizes in sources.items():
        im = Image.open(os.path.join(HERE, name)).convert('RGB')
        for fname, f in filters.items():
            for w, h in sizes:
                out['resize']['%s/%s/%dx%d' % (name, fname, w, h)] = rgb_entry(
                    im.resize((w, h), f))
    gif = Image.open(os.path.join(HERE, 'no_time_for_that_tiny.gif')).convert('RGB')
    for h, w in [(10, 10), (25, 14), (24, 13), (30, 20), (31, 17), (8, 40), (5, 3)]:
        out['center_crop']['no_time_for_that_tiny.gif/%dx%d' % (h, w)] = rgb_entry(
            T.CenterCrop((h, w))(gif))
    with open(os.path.join(HERE, 'ops.json'), 'w') as f:
        json.dump(out, f, indent=1)


if __name__ == '__main__':
    make_images()
    decode_json()
    ops_json()
    preprocess()
