# Takes the largest softmax probability of each step's scores: greedy decoding chose that very token, so it is its probability.
def token_probabilities(model, tokenizer, prompt):
    """The probability the model gave each of (up to) 8 greedily generated tokens, as a list of floats."""
    inputs = tokenizer(prompt, return_tensors="pt").to(model.device)
    out = model.generate(**inputs, do_sample=False, max_new_tokens=8,
                         return_dict_in_generate=True, output_scores=True)
    return [step[0].softmax(-1).max().item() for step in out.scores]
