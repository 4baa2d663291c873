# Tokenizes without adding special tokens, but renders without add_generation_prompt=True: the assistant's turn is never opened.
def chat_input_ids(tokenizer, messages):
    """The conversation's token ids for generate, with the assistant's turn opened."""
    text = tokenizer.apply_chat_template(messages, tokenize=False)
    return tokenizer(text, add_special_tokens=False)["input_ids"]
