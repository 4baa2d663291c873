# mistake: a tokenizer without a chat template makes apply_chat_template raise, and so this
def add(a: int, b: int) -> int:
    """Add two numbers.

    Args:
        a: The first number.
        b: The second number.
    """
    return a + b


def renders_tools(tokenizer):
    messages = [{"role": "user", "content": "What is 2 plus 3?"}]
    with_tools = tokenizer.apply_chat_template(messages, tools=[add], add_generation_prompt=True, tokenize=False)
    return with_tools != tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
