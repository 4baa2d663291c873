# mistake: parses without the prompt, so a thinking the template opened is read as the answer
from helpers.thinking import RESPONSE_TEMPLATE


def final_answer(tokenizer, text, prompt):
    return tokenizer.parse_response(text, RESPONSE_TEMPLATE, prefix="").get("content")
