# Keeps every guess the target agrees with, even after one it rejected.
import torch


def verify(model, ids, guesses):
    """The tokens greedy decoding keeps after ids when a draft guesses `guesses`, from one forward pass of the model."""
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([ids + guesses], device=model.device)).logits[0]
    choices = logits[len(ids) - 1:].argmax(-1).tolist()
    kept = [guess for guess, choice in zip(guesses, choices) if guess == choice]
    return kept + [choices[len(guesses)]]
