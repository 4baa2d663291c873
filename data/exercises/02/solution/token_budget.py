import math


def token_budget(tokenizer, sample, words):
    """A max_new_tokens that fits a reply of `words` words in the language of `sample` (a text in that language)."""
    per_word = len(tokenizer(sample, add_special_tokens=False)["input_ids"]) / len(sample.split())  # measured
    return math.ceil(words * per_word * 1.1)  # a little room: words differ in length
