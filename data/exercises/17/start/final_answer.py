def final_answer(tokenizer, text, prompt):
    """The reply's answer, the text after its thinking, or None when its thinking never ended."""
    return text.split("</think>")[-1].strip()
