# mistake: decides that thinking is on from the workbook's system instruction, not from where the reply starts
def final_answer(tokenizer, text, prompt):
    text = text.replace("<|im_end|>", "")
    on = "think step by step" in prompt
    if "<think>" in text:
        on, text = True, text.split("<think>", 1)[1]
    if on and "</think>" not in text:
        return None
    return text.split("</think>", 1)[-1].strip()
