def renders_tools(tokenizer):
    """Whether the tokenizer's chat template shows a list of tools to the model."""
    return "tools" in tokenizer.chat_template
