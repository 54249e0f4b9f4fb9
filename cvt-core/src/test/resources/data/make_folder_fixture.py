#!/usr/bin/python3
"""Regenerates image_folder.json (run with /usr/bin/python3): a folder tree (file names
only; torchvision's ImageFolder lists files without opening them) and torchvision's
ImageFolder classes and samples for it, relative to the root.

The tree mixes upper/lower-case extensions, nested sub-folders, names that sort differently
by whole path than by name parts ('a b' vs 'a/'), files that are not images, and digits.
It has no hidden entries and only .jpg/.jpeg/.png/.bmp files, where cvt's ImageFolder
differs from torchvision 0.14's: it skips hidden entries, and it takes .gif but not .ppm, .pgm,
.tif, .tiff or .webp (torchvision's IMG_EXTENSIONS have no .gif).
"""
import json
import os
import tempfile

from torchvision.datasets import ImageFolder

HERE = os.path.dirname(os.path.abspath(__file__))
FILES = [
    'cat/b.jpg', 'cat/A.JPG', 'cat/a.png', 'cat/10.bmp', 'cat/9.Png', 'cat/notes.txt',
    'cat/sub/z.jpeg', 'cat/sub/a.jpg', 'cat/a b/x.png', 'cat/a/y.png', 'cat/a/q/v.png', 'cat/a-c/w.png',
    'Dog/1.jpeg', 'Dog/deep/deeper/2.JPEG', 'Dog/deep/1.png',
    'bird/only.jpg',
    'zebra/z/z/z.bmp', 'zebra/readme.md', 'zebra/Z.png',
]


def main():
    with tempfile.TemporaryDirectory() as d:
        for f in FILES:
            p = os.path.join(d, f)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            open(p, 'wb').close()
        ds = ImageFolder(d)
        samples = [[os.path.relpath(p, d), y] for p, y in ds.samples]
    with open(os.path.join(HERE, 'image_folder.json'), 'w') as f:
        json.dump({'files': FILES, 'classes': ds.classes, 'samples': samples}, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
