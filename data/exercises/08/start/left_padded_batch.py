def left_padded_batch(tokenizer, prompts):
    """The prompts as one left-padded batch of tensors (input_ids and attention_mask)."""
    return tokenizer(prompts, return_tensors="pt", padding=True, padding_side="left")
