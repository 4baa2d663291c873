# Reads the scores one position late: the scores at a position choose the token after it.
import torch


def verify(model, ids, guesses):
    """The tokens greedy decoding keeps after ids when a draft guesses `guesses`, from one forward pass of the model."""
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([ids + guesses], device=model.device)).logits[0]
    choices = logits[len(ids):].argmax(-1).tolist()
    kept = []
    for guess, choice in zip(guesses, choices):
        if guess != choice:
            break
        kept.append(guess)
    return kept + [choices[len(kept)]] if len(kept) < len(choices) else kept
