# Writes the assistant's opener by hand after the rendered text, without the newline the template puts after the role.
def chat_prompt(tokenizer, messages):
    """The conversation as text, ready for the model to write the assistant's answer."""
    return tokenizer.apply_chat_template(messages, tokenize=False) + "<|im_start|>assistant"
