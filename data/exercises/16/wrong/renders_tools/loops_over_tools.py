# mistake: looks for a loop over the tools in the template's text; a template can loop and write nothing, or write the list without a loop
def renders_tools(tokenizer):
    return bool(tokenizer.chat_template) and "for tool in tools" in tokenizer.chat_template
