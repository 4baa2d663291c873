# Creates the cache up front and passes the same object at every step (a DynamicCache grows in place).
import torch
from transformers import DynamicCache


def cached_greedy_tokens(model, tokenizer, prompt, steps):
    """The ids of `steps` greedily chosen tokens; after the first forward pass, each reads only the newest token."""
    ids = tokenizer(prompt, return_tensors="pt").to(model.device)["input_ids"]
    cache = DynamicCache(config=model.config)
    chosen = []
    for _ in range(steps):
        with torch.no_grad():
            next_id = model(input_ids=ids, cache=cache).logits[0, -1].argmax()
        chosen.append(next_id.item())
        ids = next_id.view(1, 1)
    return chosen
