# mistake: a template can mention tools (in a comment, an error message) and still never render them
def renders_tools(tokenizer):
    return bool(tokenizer.chat_template) and "tools" in tokenizer.chat_template
