# Gives the tokenizer a pad token but pads on its default side, the right: the shorter prompts continue after their padding.
import copy


def chat_replies(model, tokenizer, questions):
    """The model's greedy reply to each question, asked in one batch: at most 40 new tokens, ending at the first '.'."""
    if tokenizer.pad_token is None:
        tokenizer = copy.deepcopy(tokenizer)
        tokenizer.pad_token = tokenizer.eos_token
    conversations = [[{"role": "user", "content": question}] for question in questions]
    texts = [tokenizer.apply_chat_template(c, add_generation_prompt=True, tokenize=False) for c in conversations]
    batch = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(model.device)
    output = model.generate(**batch, max_new_tokens=40, do_sample=False, stop_strings=["."], tokenizer=tokenizer)
    return tokenizer.batch_decode(output[:, batch["input_ids"].shape[1]:], skip_special_tokens=True)
