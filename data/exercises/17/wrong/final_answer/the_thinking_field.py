# mistake: returns the field that holds the thinking
from helpers.thinking import RESPONSE_TEMPLATE


def final_answer(tokenizer, text, prompt):
    return tokenizer.parse_response(text, RESPONSE_TEMPLATE, prefix=prompt).get("reasoning_content")
