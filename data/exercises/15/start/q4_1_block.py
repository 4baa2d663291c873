import numpy as np


def q4_1_block(values):
    """The 20 bytes of one Q4_1 block for 32 float32 values: float16 scale d, float16 minimum m, 16 bytes of 4-bit q."""
    low, high = float(values.min()), float(values.max())
    d = (high - low) / 15
    q = np.round((values - low) / d).astype(np.uint8)
    packed = q[0::2] | (q[1::2] << 4)  # two neighbours per byte
    return np.float16(d).tobytes() + np.float16(low).tobytes() + packed.tobytes()
