# Measures the sample, but divides the other way round: words per token, so the budget shrinks where it should grow.
import math


def token_budget(tokenizer, sample, words):
    """A max_new_tokens that fits a reply of `words` words in the language of `sample` (a text in that language)."""
    rate = len(sample.split()) / len(tokenizer(sample, add_special_tokens=False)["input_ids"])
    return math.ceil(words * rate * 1.1)
