# mistake: renders an empty conversation, which a template that reads the first message cannot render
def add(a: int, b: int) -> int:
    """Add two numbers.

    Args:
        a: The first number.
        b: The second number.
    """
    return a + b


def renders_tools(tokenizer):
    if not tokenizer.chat_template:
        return False
    with_tools = tokenizer.apply_chat_template([], tools=[add], tokenize=False)
    return with_tools != tokenizer.apply_chat_template([], tokenize=False)
