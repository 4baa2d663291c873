# Looks for the next token's scores at index prompt-length, one past the last position: the index is out of range.
import torch


def next_token_id(model, tokenizer, prompt):
    """The id of the most likely token after the prompt (an int)."""
    inputs = tokenizer(prompt, return_tensors="pt").to(model.device)
    with torch.no_grad():
        logits = model(**inputs).logits
    return logits[0, inputs["input_ids"].shape[1]].argmax().item()
