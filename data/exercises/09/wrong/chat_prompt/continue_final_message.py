# Passes continue_final_message=True instead of add_generation_prompt=True: the user's turn is left open, so the model would continue the question.
def chat_prompt(tokenizer, messages):
    """The conversation as text, ready for the model to write the assistant's answer."""
    return tokenizer.apply_chat_template(messages, continue_final_message=True, tokenize=False)
