# Cuts the range into 16 equal bins and gives each weight its bin's centre: not the grid Q4_1's own weights sit on.
import numpy as np


def q4_1_block(values):
    """The 20 bytes of one Q4_1 block for 32 float32 values: float16 scale d, float16 minimum m, 16 bytes of 4-bit q."""
    low, high = float(values.min()), float(values.max())
    d = (high - low) / 16
    q = np.zeros(32, dtype=np.uint8) if d == 0 else np.clip(np.floor((values - low) / d), 0, 15).astype(np.uint8)
    packed = q[:16] | (q[16:] << 4)
    return np.float16(d).tobytes() + np.float16(low + d / 2).tobytes() + packed.tobytes()
