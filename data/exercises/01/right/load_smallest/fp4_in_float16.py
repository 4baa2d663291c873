# bitsandbytes' other 4-bit format, fp4, with the rest in float16: as small as NF4 with bfloat16.
import torch
from transformers import AutoModelForCausalLM, BitsAndBytesConfig


def load_smallest(model_name):
    """The model on the CPU in as little memory as bitsandbytes allows, as get_memory_footprint() counts it."""
    config = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="fp4", bnb_4bit_compute_dtype=torch.float16)
    return AutoModelForCausalLM.from_pretrained(model_name, device_map="cpu", dtype=torch.float16,
                                                quantization_config=config)
