import torch
from transformers import AutoModelForCausalLM, BitsAndBytesConfig


def load_smallest(model_name):
    """The model on the CPU in as little memory as bitsandbytes allows, as get_memory_footprint() counts it."""
    config = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=torch.float32)
    return AutoModelForCausalLM.from_pretrained(model_name, device_map="cpu", dtype=torch.float32,
                                                quantization_config=config)
