# mistake: with thinking off, takes the whole reply, a thinking section the model opened itself included
def final_answer(tokenizer, text, prompt):
    text = text.split("<|im_end|>")[0]
    if not prompt.endswith("<think>\n"):
        return text.strip()
    return text.split("</think>", 1)[1].strip() if "</think>" in text else None
