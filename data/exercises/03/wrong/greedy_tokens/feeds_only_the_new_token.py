# Feeds only the chosen token to the next pass, without a cache: the model forgets the prompt after the first step.
import torch


def greedy_tokens(model, tokenizer, prompt, steps):
    """The ids of `steps` greedily chosen tokens, one forward pass per token (a list of ints)."""
    ids = tokenizer(prompt, return_tensors="pt").to(model.device)["input_ids"]
    chosen = []
    for _ in range(steps):
        with torch.no_grad():
            next_id = model(input_ids=ids).logits[0, -1].argmax()
        chosen.append(next_id.item())
        ids = next_id.view(1, 1)
    return chosen
