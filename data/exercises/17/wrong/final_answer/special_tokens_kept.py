# mistake: right about where the thinking starts, but returns the answer with the special tokens decoded into it
def final_answer(tokenizer, text, prompt):
    opened = prompt.endswith("<think>\n") or "<think>" in text
    if opened and "</think>" not in text:
        return None
    return text.split("</think>")[-1].strip()
