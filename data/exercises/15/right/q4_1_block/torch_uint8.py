# With torch, rounding with the float16 scale itself, and returning a uint8 tensor.
import torch


def q4_1_block(values):
    """The 20 bytes of one Q4_1 block for 32 float32 values: float16 scale d, float16 minimum m, 16 bytes of 4-bit q."""
    w = torch.as_tensor(values, dtype=torch.float32)
    d, m = ((w.max() - w.min()) / 15).half(), w.min().half()
    q = torch.round((w - m.float()) / d.float()).clamp(0, 15).to(torch.uint8) if d > 0 else torch.zeros(32, dtype=torch.uint8)
    header = torch.stack([d, m]).view(torch.uint8)
    return torch.cat([header, q[:16] | (q[16:] << 4)])
