# mistake: any </think> ends the thinking, and the prompt only decides what a reply without one means
def final_answer(tokenizer, text, prompt):
    text = text.replace("<|im_end|>", "")
    if "</think>" in text:
        return text.split("</think>")[-1].strip()
    if prompt.endswith("<think>\n"):
        return None
    return text.strip()
