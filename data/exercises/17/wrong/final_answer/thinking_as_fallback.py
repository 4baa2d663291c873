# mistake: returns the thinking when there is no answer
from helpers.thinking import RESPONSE_TEMPLATE


def final_answer(tokenizer, text, prompt):
    parsed = tokenizer.parse_response(text, RESPONSE_TEMPLATE, prefix=prompt)
    return parsed.get("content") or parsed.get("reasoning_content")
