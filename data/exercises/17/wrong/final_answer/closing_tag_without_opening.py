# mistake: a </think> ends the thinking even where no thinking was opened
def final_answer(tokenizer, text, prompt):
    text = text.split("<|im_end|>")[0]
    if "</think>" in text:
        return text.split("</think>", 1)[1].strip()
    return None if prompt.rstrip().endswith("<think>") or "<think>" in text else text.strip()
