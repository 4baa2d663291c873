# Normalizes the logits but returns the log-probabilities without exp(): the numbers are negative, not probabilities.
def token_probabilities(model, tokenizer, prompt):
    """The probability the model gave each of (up to) 8 greedily generated tokens, as a list of floats."""
    inputs = tokenizer(prompt, return_tensors="pt").to(model.device)
    out = model.generate(**inputs, do_sample=False, max_new_tokens=8,
                         return_dict_in_generate=True, output_scores=True)
    transition = model.compute_transition_scores(out.sequences, out.scores, normalize_logits=True)
    return transition[0].tolist()
