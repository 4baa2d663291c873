# Runs the next forward pass at the end of every step, the last one included: one pass more than there are tokens.
import torch


def cached_greedy_tokens(model, tokenizer, prompt, steps):
    """The ids of `steps` greedily chosen tokens; after the first forward pass, each reads only the newest token."""
    ids = tokenizer(prompt, return_tensors="pt").to(model.device)["input_ids"]
    chosen = []
    with torch.no_grad():
        out = model(input_ids=ids, use_cache=True)
        for _ in range(steps):
            next_id = out.logits[0, -1].argmax()
            chosen.append(next_id.item())
            out = model(input_ids=next_id.view(1, 1), cache=out.cache, use_cache=True)
    return chosen
