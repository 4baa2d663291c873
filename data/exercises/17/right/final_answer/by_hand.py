# right: the tags looked for by hand, with the prompt for where the thinking starts
def final_answer(tokenizer, text, prompt):
    """The reply's answer, the text after its thinking, or None when its thinking never ended."""
    text = text.split("<|im_end|>")[0]
    opened = prompt.rstrip().endswith("<think>")  # the template opened the thinking
    if "<think>" in text:  # the model opened it itself
        opened, text = True, text.split("<think>", 1)[1]
    if opened:
        if "</think>" not in text:
            return None
        text = text.split("</think>", 1)[1]
    return text.strip()
