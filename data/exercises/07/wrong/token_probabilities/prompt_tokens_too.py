# Recomputes the probabilities with a forward pass over the whole sequence but keeps every position, so the prompt's tokens are counted too.
import torch


def token_probabilities(model, tokenizer, prompt):
    """The probability the model gave each of (up to) 8 greedily generated tokens, as a list of floats."""
    inputs = tokenizer(prompt, return_tensors="pt").to(model.device)
    sequences = model.generate(**inputs, do_sample=False, max_new_tokens=8)
    with torch.no_grad():
        logits = model(input_ids=sequences).logits[0, :-1]
    chosen = logits.softmax(-1).gather(-1, sequences[0, 1:, None])[:, 0]
    return chosen.tolist()
