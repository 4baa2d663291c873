# Picks from the processed scores but always runs 16 steps: it ignores the stopping criteria.
import torch


def greedy_strategy(model, input_ids, logits_processor, stopping_criteria, generation_config, **model_kwargs):
    """Greedy decoding for generate(custom_generate=greedy_strategy): one prompt, with the call's settings."""
    cache, new, scores = model_kwargs.get("cache"), input_ids, ()
    for _ in range(16):
        logits = model(input_ids=new, cache=cache).logits[:, -1].float()
        scores += (logits_processor(input_ids, logits),)
        next_id = scores[-1].argmax(-1, keepdim=True)
        input_ids = torch.cat([input_ids, next_id], dim=-1)
        new = input_ids if cache is None else next_id
    return input_ids
