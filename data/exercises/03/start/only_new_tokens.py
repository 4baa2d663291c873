def only_new_tokens(model, tokenizer, prompt):
    """The ids of the (at most 8) greedily generated tokens, without the prompt."""
    inputs = tokenizer(prompt, return_tensors="pt").to(model.device)
    output = model.generate(**inputs, max_new_tokens=8, do_sample=False)
    return output[0]
