"""One gzip file made of pieces compressed on their own, so a rebuild compresses again only the
pieces whose text changed (the downloads of 50,000 offers are 150 MB of text).

Each piece is raw deflate data ending on a byte boundary (a sync flush, not a final block)
with the CRC-32 and length of its text. Pieces compressed separately may follow each other in
one deflate stream (none refers back into another), so `joined` gives one ordinary gzip
member (RFC 1952): a header, the pieces, an empty final block, and the CRC-32 of the whole
text, combined from the pieces' CRCs as zlib's crc32_combine does.
"""

import struct

from isal import isal_zlib  # deflate by Intel's ISA-L: the format of zlib, four times as fast

HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x04\xff"  # no name, mtime 0, fastest, OS unknown
FINAL = b"\x03\x00"  # an empty final block (fixed Huffman codes)
PIECE = struct.Struct("<IQ")  # CRC-32 and length of the piece's text
POLY = 0xEDB88320  # CRC-32's polynomial, bit-reflected


def piece(data: bytes, level: int) -> bytes:
    """The text compressed as a piece of a gzip file: CRC-32, length, deflate data (`level`:
    ISA-L's 0 to 3)."""
    deflate = isal_zlib.compressobj(level, isal_zlib.DEFLATED, -isal_zlib.MAX_WBITS)
    body = deflate.compress(data) + deflate.flush(isal_zlib.Z_SYNC_FLUSH)
    return PIECE.pack(isal_zlib.crc32(data), len(data)) + body


def joined(pieces: list[bytes]) -> bytes:
    """The gzip file of the pieces' texts one after the other."""
    crc, size = 0, 0
    for item in pieces:
        part_crc, length = PIECE.unpack_from(item)
        crc = crc32_combine(crc, part_crc, length)
        size += length
    body = b"".join(memoryview(item)[PIECE.size:] for item in pieces)
    return HEADER + body + FINAL + struct.pack("<II", crc, size & 0xFFFFFFFF)


def _multiply(a: int, b: int) -> int:
    """a * b modulo CRC-32's polynomial (bit-reflected, as zlib's multmodp)."""
    m, product = 1 << 31, 0
    while True:
        if a & m:
            product ^= b
            if not a & (m - 1):
                return product
        m >>= 1
        b = (b >> 1) ^ POLY if b & 1 else b >> 1


_X2N = [1 << 30]  # x^(2^k) modulo the polynomial
for _ in range(63):
    _X2N.append(_multiply(_X2N[-1], _X2N[-1]))


def crc32_combine(crc1: int, crc2: int, length2: int) -> int:
    """The CRC-32 of A + B from crc32(A), crc32(B) and len(B)."""
    power, k = 1 << 31, 3  # x^(8 * length2): one byte is 8 bits (2^3)
    while length2:
        if length2 & 1:
            power = _multiply(_X2N[k & 63], power)
        length2 >>= 1
        k += 1
    return _multiply(power, crc1) ^ crc2
