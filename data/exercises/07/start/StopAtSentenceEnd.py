import torch
from transformers import StoppingCriteria


class StopAtSentenceEnd(StoppingCriteria):
    """Ends each row of a batch once its new text ends a sentence ('.', '!' or '?')."""

    def __init__(self, tokenizer, prompt_length):
        self.tokenizer, self.prompt_length = tokenizer, prompt_length

    def __call__(self, input_ids, scores, **kwargs):
        text = self.tokenizer.decode(input_ids[0, self.prompt_length:], skip_special_tokens=True)
        return torch.tensor(text.rstrip().endswith((".", "!", "?")), device=input_ids.device)
