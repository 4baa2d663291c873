# Pure Python: struct packs the two float16 numbers, a loop the nibbles; an all-equal block gets q = 0.
import struct


def q4_1_block(values):
    """The 20 bytes of one Q4_1 block for 32 float32 values: float16 scale d, float16 minimum m, 16 bytes of 4-bit q."""
    low, high = float(min(values)), float(max(values))
    d = (high - low) / 15
    q = [min(15, max(0, round((float(v) - low) / d))) if d else 0 for v in values]
    return struct.pack("<ee", d, low) + bytes(q[j] | (q[j + 16] << 4) for j in range(16))
