def batched_new_tokens(model, tokenizer, prompts):
    """8 greedily generated new tokens for every prompt, in one batch: one row per prompt."""
    batch = tokenizer(prompts, return_tensors="pt", padding=True, padding_side="left").to(model.device)
    output = model.generate(**batch, max_new_tokens=8, do_sample=False)  # every prompt ends at the last position
    return output[:, batch["input_ids"].shape[1]:]
