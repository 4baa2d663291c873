# right: the streaming parser, fed the whole reply at once
from helpers.thinking import RESPONSE_TEMPLATE


def final_answer(tokenizer, text, prompt):
    """The reply's answer, the text after its thinking, or None when its thinking never ended."""
    parser = tokenizer.get_response_parser(RESPONSE_TEMPLATE, prefix=prompt)
    parser.feed(text)
    message, _ = parser.finalize()
    return message.get("content")
