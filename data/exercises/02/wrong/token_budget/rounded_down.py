# Measures the right rate but truncates with int() and leaves no room: the budget falls just short of the reply.
def token_budget(tokenizer, sample, words):
    """A max_new_tokens that fits a reply of `words` words in the language of `sample` (a text in that language)."""
    per_word = len(tokenizer(sample, add_special_tokens=False)["input_ids"]) / len(sample.split())
    return int(words * per_word)
