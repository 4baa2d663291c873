# Builds the mask without the batch dimension, indexing rows with the allowed token ids instead of columns.
import torch
from transformers import LogitsProcessor


class DigitsOnly(LogitsProcessor):
    """Lets generate choose only tokens made of digits, and EOS."""

    def __init__(self, tokenizer):
        digits = [i for token, i in tokenizer.get_vocab().items()
                  if tokenizer.convert_tokens_to_string([token]).strip().isdigit()]
        self.allowed = torch.tensor([*digits, tokenizer.eos_token_id])

    def __call__(self, input_ids, scores):
        mask = torch.zeros_like(scores, dtype=torch.bool)
        mask[self.allowed] = True
        return scores.masked_fill(~mask, float("-inf"))


def digits_only(model, tokenizer, prompt):
    """The new text of a greedy generation (at most 8 tokens) that may contain only digits."""
    inputs = tokenizer(prompt, return_tensors="pt").to(model.device)
    output = model.generate(**inputs, max_new_tokens=8, do_sample=False, logits_processor=[DigitsOnly(tokenizer)])
    return tokenizer.decode(output[0, inputs["input_ids"].shape[1]:], skip_special_tokens=True)
