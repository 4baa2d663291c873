# Generates all 40 tokens, then cuts the text at the first '.': the right text, but generation never stopped.
def first_sentence(model, tokenizer, prompt):
    """The new text of a greedy generation (at most 40 tokens) that stops at the first '.'."""
    inputs = tokenizer(prompt, return_tensors="pt").to(model.device)
    output = model.generate(**inputs, max_new_tokens=40, do_sample=False)
    text = tokenizer.decode(output[0, inputs["input_ids"].shape[1]:], skip_special_tokens=True)
    return text[: text.index(".") + 1] if "." in text else text
