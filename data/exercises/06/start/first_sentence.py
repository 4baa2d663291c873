def first_sentence(model, tokenizer, prompt):
    """The new text of a greedy generation (at most 40 tokens) that stops at the first '.'."""
    inputs = tokenizer(prompt, return_tensors="pt").to(model.device)
    output = model.generate(**inputs, max_new_tokens=40, do_sample=False, stop_strings=["."])
    return tokenizer.decode(output[0, inputs["input_ids"].shape[1]:], skip_special_tokens=True)
