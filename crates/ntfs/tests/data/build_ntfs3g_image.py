# Builds the ntfs-3g feature image (run as root; needs mkntfs, ntfs-3g, FUSE).
import os, struct, subprocess
img = 't.img'
subprocess.run(['dd', 'if=/dev/zero', f'of={img}', 'bs=1M', 'count=4'], check=True, capture_output=True)
subprocess.run(['mkntfs', '-F', '-q', '-C', '-c', '1024', '-L', 'exhibit', img], check=True, capture_output=True)
os.makedirs('mnt', exist_ok=True)
subprocess.run(['ntfs-3g', '-o', 'compression', img, 'mnt'], check=True)
m = 'mnt'
os.makedirs(m + '/docs/sub', exist_ok=True)
txt = ''.join(f'line {i} of the compressible text file {i%17}\n' for i in range(2500)).encode()
open(m + '/docs/big.txt', 'wb').write(txt)                  # LZNT1-compressed (root has the compressed flag)
open(m + '/docs/small.txt', 'wb').write(b'hello small\n')   # resident
for i in range(40):                                          # $INDEX_ALLOCATION
    open(f'{m}/docs/sub/file_with_a_longish_name_{i:03d}.txt', 'wb').write(f'file {i}\n'.encode() * (i * 3))
with open(m + '/sparse.dat', 'wb') as f:                     # sparse run
    f.write(b'A' * 3000); f.seek(1_000_000); f.write(b'B' * 3000)
open(m + '/ads.txt', 'wb').write(b'main stream\n')           # alternate data streams
os.setxattr(m + '/ads.txt', 'user.secret', txt[:20000])
os.setxattr(m + '/ads.txt', 'user.tiny', b'tiny ads')
open(m + '/linked.txt', 'wb').write(b'linked\n' * 100)      # hard links: $ATTRIBUTE_LIST
for i in range(8):
    os.link(m + '/linked.txt', f'{m}/docs/link_{i:02d}_with_a_rather_long_name_to_fill_the_record.txt')
for n in 'ABC':
    open(f'{m}/frag_{n}.bin', 'wb').write(bytes([ord(n)]) * 20000)
os.remove(m + '/frag_A.bin'); os.remove(m + '/frag_C.bin')
open(m + '/frag_D.bin', 'wb').write(bytes(range(256)) * 200)
open(m + '/gone.txt', 'wb').write(b'to be deleted\n' * 1000)  # deleted file
open(m + '/orphan.txt', 'wb').write(b'will be an orphan\n' * 300)
os.makedirs(m + '/olddir/inner', exist_ok=True)               # deleted directory tree
open(m + '/olddir/a.txt', 'wb').write(b'aaaa\n' * 3000)
open(m + '/olddir/inner/b.txt', 'wb').write(b'bbbb\n' * 3)
os.sync()
os.remove(m + '/gone.txt'); os.remove(m + '/orphan.txt')
os.remove(m + '/olddir/inner/b.txt'); os.rmdir(m + '/olddir/inner')
os.remove(m + '/olddir/a.txt'); os.rmdir(m + '/olddir')
os.sync()
subprocess.run(['umount', 'mnt'], check=True)
# Orphan orphan.txt and olddir: point their $FILE_NAME parent at $Volume (3),
# which is not a directory.
with open(img, 'r+b') as f:
    b = f.read(512)
    cs = struct.unpack_from('<H', b, 11)[0] * b[13]
    mft = struct.unpack_from('<Q', b, 48)[0]
    rs = (1 << (256 - b[64])) if b[64] > 127 else b[64] * cs
    def find(name):
        for n in range(16, 400):
            f.seek(mft * cs + n * rs); r = f.read(rs)
            if r[:4] != b'FILE': continue
            p = struct.unpack_from('<H', r, 20)[0]
            while p + 8 < rs:
                t, l = struct.unpack_from('<II', r, p)
                if t == 0xffffffff or l == 0: break
                if t == 0x30:
                    at = p + struct.unpack_from('<H', r, p + 20)[0]
                    nl = r[at + 64]
                    if r[at + 66:at + 66 + 2 * nl].decode('utf-16-le') == name:
                        return n, at
                p += l
        raise SystemExit(name)
    for name in ('orphan.txt', 'olddir'):
        n, at = find(name)
        assert not any(x in range(at, at + 8) for x in (510, 511, 1022, 1023))
        f.seek(mft * cs + n * rs + at); f.write(struct.pack('<Q', 3 | (3 << 48)))
