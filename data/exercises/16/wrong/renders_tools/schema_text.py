# mistake: looks for the schema as json.dumps writes it; templates write tools in other forms (indented, names only)
import json

from transformers.utils import get_json_schema


def add(a: int, b: int) -> int:
    """Add two numbers.

    Args:
        a: The first number.
        b: The second number.
    """
    return a + b


def renders_tools(tokenizer):
    if not tokenizer.chat_template:
        return False
    messages = [{"role": "user", "content": "What is 2 plus 3?"}]
    prompt = tokenizer.apply_chat_template(messages, tools=[add], add_generation_prompt=True, tokenize=False)
    return json.dumps(get_json_schema(add)) in prompt
