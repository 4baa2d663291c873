# mistake: keeps the answer's first line only
from helpers.thinking import RESPONSE_TEMPLATE


def final_answer(tokenizer, text, prompt):
    answer = tokenizer.parse_response(text, RESPONSE_TEMPLATE, prefix=prompt).get("content")
    return None if answer is None else answer.splitlines()[0]
