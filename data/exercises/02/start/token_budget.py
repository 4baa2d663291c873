def token_budget(tokenizer, sample, words):
    """A max_new_tokens that fits a reply of `words` words in the language of `sample` (a text in that language)."""
    return round(words * 4 / 3)  # a rule of thumb: 3 words make about 4 tokens
