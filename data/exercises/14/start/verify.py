import torch


def verify(model, ids, guesses):
    """The tokens greedy decoding keeps after ids when a draft guesses `guesses`, from one forward pass of the model."""
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([ids + guesses], device=model.device)).logits[0]
    choices = logits[len(ids) - 1:].argmax(-1).tolist()  # choices[i]: greedy's token after guess i - 1
    kept = []
    for guess, choice in zip(guesses, choices):
        if guess != choice:
            break
        kept.append(guess)
    return kept
