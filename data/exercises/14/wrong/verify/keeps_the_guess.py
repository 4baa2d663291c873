# Keeps the rejected guess itself instead of the target's own token.
import torch


def verify(model, ids, guesses):
    """The tokens greedy decoding keeps after ids when a draft guesses `guesses`, from one forward pass of the model."""
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([ids + guesses], device=model.device)).logits[0]
    choices = logits[len(ids) - 1:].argmax(-1).tolist()
    kept = []
    for guess, choice in zip(guesses, choices):
        kept.append(guess)
        if guess != choice:
            return kept
    return kept + [choices[len(kept)]]
