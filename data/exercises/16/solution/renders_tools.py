def add(a: int, b: int) -> int:
    """Add two numbers.

    Args:
        a: The first number.
        b: The second number.
    """
    return a + b


def renders_tools(tokenizer):
    """Whether the tokenizer's chat template shows a list of tools to the model."""
    if not tokenizer.chat_template:
        return False  # apply_chat_template would raise: no template, nothing rendered
    messages = [{"role": "user", "content": "What is 2 plus 3?"}]
    with_tools = tokenizer.apply_chat_template(messages, tools=[add], add_generation_prompt=True, tokenize=False)
    return with_tools != tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
