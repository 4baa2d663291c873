# mistake: an empty answer for a reply that has none
from helpers.thinking import RESPONSE_TEMPLATE


def final_answer(tokenizer, text, prompt):
    return tokenizer.parse_response(text, RESPONSE_TEMPLATE, prefix=prompt).get("content", "")
