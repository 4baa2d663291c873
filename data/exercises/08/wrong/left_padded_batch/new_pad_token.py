# Adds a new pad token without giving the model an embedding row for it: generate on the batch fails.
def left_padded_batch(tokenizer, prompts):
    """The prompts as one left-padded batch of tensors (input_ids and attention_mask)."""
    tokenizer.add_special_tokens({"pad_token": "[PAD]"})
    return tokenizer(prompts, return_tensors="pt", padding=True, padding_side="left")
