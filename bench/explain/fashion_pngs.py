# Fashion-MNIST test images 0..199 as 8-bit grey PNGs (OUT/test-0000.png ...), their labels in OUT/../labels.txt.
# Usage: python3 bench/explain/fashion_pngs.py OUT (Debian's dataset-fashion-mnist).
import gzip, struct, zlib, sys
d = '/usr/share/datasets/fashion-mnist/'
img = gzip.open(d + 't10k-images-idx3-ubyte.gz').read()
lab = gzip.open(d + 't10k-labels-idx1-ubyte.gz').read()
n, rows, cols = struct.unpack('>III', img[4:16])
def png(path, pix, w, h):
    raw = b''.join(b'\x00' + pix[y * w:(y + 1) * w] for y in range(h))
    chunk = lambda t, data: struct.pack('>I', len(data)) + t + data + struct.pack('>I', zlib.crc32(t + data) & 0xffffffff)
    open(path, 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 0, 0, 0, 0))
                            + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))
out = sys.argv[1]
with open(out + '/../labels.txt', 'w') as f:
    for i in range(200):
        png('%s/test-%04d.png' % (out, i), img[16 + i * 784: 16 + (i + 1) * 784], cols, rows)
        f.write('%d\n' % lab[8 + i])
