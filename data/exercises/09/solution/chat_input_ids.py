def chat_input_ids(tokenizer, messages):
    """The conversation's token ids for generate, with the assistant's turn opened."""
    text = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    return tokenizer(text, add_special_tokens=False)["input_ids"]  # the text already has its BOS token
