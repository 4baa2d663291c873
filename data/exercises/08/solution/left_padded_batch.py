import copy


def left_padded_batch(tokenizer, prompts):
    """The prompts as one left-padded batch of tensors (input_ids and attention_mask)."""
    if tokenizer.pad_token is None:
        tokenizer = copy.deepcopy(tokenizer)  # a copy: the caller's tokenizer stays as it was
        tokenizer.pad_token = tokenizer.eos_token  # the attention mask hides the padding anyway
    return tokenizer(prompts, return_tensors="pt", padding=True, padding_side="left")
