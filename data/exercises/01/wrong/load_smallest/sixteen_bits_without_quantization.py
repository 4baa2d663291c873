# Loads every weight in 16 bits and quantizes nothing: half of float32's memory.
import torch
from transformers import AutoModelForCausalLM


def load_smallest(model_name):
    """The model on the CPU in as little memory as bitsandbytes allows, as get_memory_footprint() counts it."""
    return AutoModelForCausalLM.from_pretrained(model_name, device_map="cpu", dtype=torch.bfloat16)
