# Spreads the levels over 16 steps, (max - min) / 16, so the largest weight rounds to 16 and wraps to 0.
import numpy as np


def q4_1_block(values):
    """The 20 bytes of one Q4_1 block for 32 float32 values: float16 scale d, float16 minimum m, 16 bytes of 4-bit q."""
    low, high = float(values.min()), float(values.max())
    d = (high - low) / 16
    q = np.zeros(32, dtype=np.uint8) if d == 0 else np.round((values - low) / d).astype(np.uint8) & 0x0F
    packed = q[:16] | (q[16:] << 4)
    return np.float16(d).tobytes() + np.float16(low).tobytes() + packed.tobytes()
