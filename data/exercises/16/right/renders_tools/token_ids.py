# right: compares the token ids, and treats a template that cannot render as rendering nothing
def multiply(x: float, y: float) -> float:
    """Multiply two numbers.

    Args:
        x: The first number.
        y: The second number.
    """
    return x * y


def renders_tools(tokenizer):
    conversation = [{"role": "system", "content": "You are helpful."}, {"role": "user", "content": "2 times 3?"}]
    try:
        plain = tokenizer.apply_chat_template(conversation, tokenize=True, return_dict=False)
        tooled = tokenizer.apply_chat_template(conversation, tools=[multiply], tokenize=True, return_dict=False)
    except ValueError:  # no chat template
        return False
    return list(plain) != list(tooled)
