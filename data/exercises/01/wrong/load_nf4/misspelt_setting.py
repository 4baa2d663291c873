# Passes quant_type="nf4", a name BitsAndBytesConfig does not use: the setting is ignored and the weights stay fp4.
import torch
from transformers import AutoModelForCausalLM, BitsAndBytesConfig


def load_nf4(model_name):
    """The model with its linear layers in 4-bit NF4, computing in float32, on the CPU."""
    config = BitsAndBytesConfig(load_in_4bit=True, quant_type="nf4", bnb_4bit_compute_dtype=torch.float32)
    return AutoModelForCausalLM.from_pretrained(model_name, device_map="cpu", dtype=torch.float32,
                                                quantization_config=config)
