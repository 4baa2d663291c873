# Returns the target's choice at every position, even after a guess it rejected.
import torch


def verify(model, ids, guesses):
    """The tokens greedy decoding keeps after ids when a draft guesses `guesses`, from one forward pass of the model."""
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([ids + guesses], device=model.device)).logits[0]
    return logits[len(ids) - 1:].argmax(-1).tolist()
