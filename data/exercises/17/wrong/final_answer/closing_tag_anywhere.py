# mistake: takes what follows the last </think> of prompt and reply, so a reply with thinking off has no answer
import re


def final_answer(tokenizer, text, prompt):
    found = re.search(r"</think>\s*(.*)", (prompt + text).split("<|im_start|>assistant")[-1], re.DOTALL)
    return found.group(1).replace("<|im_end|>", "").strip() if found else None
