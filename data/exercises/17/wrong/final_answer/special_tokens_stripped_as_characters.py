# mistake: rstrip("<|im_end|>") strips any of those characters from the end, not the token's text
def final_answer(tokenizer, text, prompt):
    text = text.rstrip("<|im_end|>")  # noqa: B005 (the mistake)
    opened = prompt.rstrip().endswith("<think>")
    if text.startswith("<think>"):
        opened, text = True, text[len("<think>"):]
    if opened:
        if "</think>" not in text:
            return None
        text = text.split("</think>", 1)[1]
    return text.strip()
