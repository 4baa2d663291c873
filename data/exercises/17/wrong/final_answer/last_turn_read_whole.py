# mistake: reads the last assistant turn of prompt and reply together, and takes what follows its last </think>
def final_answer(tokenizer, text, prompt):
    whole = (prompt + text).split("<|im_start|>assistant\n")[-1].replace("<|im_end|>", "")
    if "<think>" not in whole:
        return whole.strip()
    if "</think>" not in whole:
        return None
    return whole.split("</think>")[-1].strip()
