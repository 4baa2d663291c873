# mistake: thinking counts as on whenever the prompt holds <think>, the empty section that turns it off included
def final_answer(tokenizer, text, prompt):
    text = text.replace("<|im_end|>", "")
    if "<think>" in prompt and "</think>" not in text:
        return None
    return text.split("</think>")[-1].strip()
