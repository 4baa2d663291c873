# mistake: with thinking off, removes a closed thinking section from the reply, and keeps one the model left open
import re


def final_answer(tokenizer, text, prompt):
    text = text.split("<|im_end|>")[0]
    if prompt.endswith("<think>\n"):
        return text.split("</think>", 1)[1].strip() if "</think>" in text else None
    return re.sub(r"<think>.*?</think>", "", text, flags=re.DOTALL).strip()
