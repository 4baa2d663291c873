def chat_replies(model, tokenizer, questions):
    """The model's greedy reply to each question, asked in one batch: at most 40 new tokens, ending at the first '.'."""
    conversations = [[{"role": "user", "content": question}] for question in questions]
    texts = [tokenizer.apply_chat_template(c, add_generation_prompt=True, tokenize=False) for c in conversations]
    batch = tokenizer(texts, return_tensors="pt", padding=True).to(model.device)
    output = model.generate(**batch, max_new_tokens=40, do_sample=False)
    return tokenizer.batch_decode(output, skip_special_tokens=True)
