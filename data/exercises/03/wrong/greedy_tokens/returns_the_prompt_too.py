# Appends each chosen token correctly, but returns the whole sequence: the prompt's ids come first.
import torch


def greedy_tokens(model, tokenizer, prompt, steps):
    """The ids of `steps` greedily chosen tokens, one forward pass per token (a list of ints)."""
    ids = tokenizer(prompt, return_tensors="pt").to(model.device)["input_ids"]
    for _ in range(steps):
        with torch.no_grad():
            next_id = model(input_ids=ids).logits[0, -1].argmax()
        ids = torch.cat([ids, next_id.view(1, 1)], dim=1)
    return ids[0].tolist()
