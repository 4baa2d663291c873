# Walks the positions with an index and stops at the first disagreement, or after the last guess.
import torch


def verify(model, ids, guesses):
    """The tokens greedy decoding keeps after ids when a draft guesses `guesses`, from one forward pass of the model."""
    with torch.no_grad():
        scores = model(input_ids=torch.tensor([ids + guesses], device=model.device)).logits[0, len(ids) - 1:]
    for i, guess in enumerate(guesses):
        if int(scores[i].argmax()) != guess:
            return guesses[:i] + [int(scores[i].argmax())]
    return guesses + [int(scores[len(guesses)].argmax())]
