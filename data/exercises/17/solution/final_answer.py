from helpers.thinking import RESPONSE_TEMPLATE


def final_answer(tokenizer, text, prompt):
    """The reply's answer, the text after its thinking, or None when its thinking never ended."""
    # the prompt says whether the template opened the thinking: the reply alone cannot
    return tokenizer.parse_response(text, RESPONSE_TEMPLATE, prefix=prompt).get("content")
