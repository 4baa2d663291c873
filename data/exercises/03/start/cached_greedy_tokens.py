import torch


def cached_greedy_tokens(model, tokenizer, prompt, steps):
    """The ids of `steps` greedily chosen tokens; after the first forward pass, each reads only the newest token."""
    ids = tokenizer(prompt, return_tensors="pt").to(model.device)["input_ids"]
    chosen = []
    with torch.no_grad():
        for _ in range(steps):
            out = model(input_ids=ids, use_cache=True)
            next_id = out.logits[0, -1].argmax()
            chosen.append(next_id.item())
            ids = torch.cat([ids, next_id.view(1, 1)], dim=1)
    return chosen
