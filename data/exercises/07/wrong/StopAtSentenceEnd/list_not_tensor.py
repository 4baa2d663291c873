# Answers for every row, but as a Python list of bools instead of a bool tensor, which generate cannot combine with its own criteria.
from transformers import StoppingCriteria


class StopAtSentenceEnd(StoppingCriteria):
    """Ends each row of a batch once its new text ends a sentence ('.', '!' or '?')."""

    def __init__(self, tokenizer, prompt_length):
        self.tokenizer, self.prompt_length = tokenizer, prompt_length

    def __call__(self, input_ids, scores, **kwargs):
        texts = self.tokenizer.batch_decode(input_ids[:, self.prompt_length:], skip_special_tokens=True)
        return [t.rstrip().endswith((".", "!", "?")) for t in texts]
