"""Lesson 16's exercises (the messages after a tool call; whether a template renders tools) and predict-then-run
question."""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonschema

from helpers import doctor
from helpers.exercises import Exercise, Fail, Prediction, Runner
from helpers.generation import greedy
from helpers.language import Message, message
from helpers.tools import RESPONSE_TEMPLATE, TOOL_TEMPLATE, call_schema


def multiply(a: int, b: int) -> int:
    """Multiply two whole numbers.

    Args:
        a: The first number.
        b: The second number.
    """
    return a * b


def count_letter(word: str, letter: str) -> int:
    """Count how many times a letter appears in a word.

    Args:
        word: The word to search.
        letter: The letter to count.
    """
    if len(letter) != 1:
        raise ValueError(f"letter must be one character, not {letter!r}")
    return word.lower().count(letter.lower())


FUNCTIONS = {"multiply": multiply, "count_letter": count_letter}
LETTER_ERROR = "letter must be one character"


def call(name: str, arguments: dict[str, Any] | str, id: str | None = None) -> dict[str, Any]:
    """One tool call in the OpenAI shape, with an id as the openai client gives it, or without as parse_response does."""
    made = {"type": "function", "function": {"name": name, "arguments": arguments}}
    return made if id is None else {"id": id, **made}


# (what the reply is, the reply, what each call's tool message must hold: a result, or text the content must contain)
REPLIES: list[tuple[Message, dict[str, Any], list[tuple[str, Any]]]] = [
    (message("a reply with one call, as parse_response gives it"),
     {"role": "assistant", "tool_calls": [call("multiply", {"a": 17, "b": 23})]}, [("result", 391)]),
    (message("a reply with two calls, the second's arguments written in another order than the function's parameters"),
     {"role": "assistant", "tool_calls": [call("multiply", {"a": 128, "b": 46}),
                                          call("count_letter", {"letter": "r", "word": "strawberry"})]},
     [("result", 5888), ("result", 3)]),
    (message("a reply from the openai client (message.model_dump()), with ids and arguments as a JSON string"),
     {"role": "assistant", "content": None, "tool_calls": [call("multiply", '{"a": 9, "b": 512}', id="call_x7Q"),
                                                           call("count_letter", '{"word": "banana", "letter": "a"}', id="call_b2k")]},
     [("result", 4608), ("result", 3)]),
    (message("a reply that calls the same tool twice"),
     {"role": "assistant", "tool_calls": [call("multiply", {"a": 2, "b": 3}), call("multiply", {"a": 4, "b": 5})]},
     [("result", 6), ("result", 20)]),
    (message("a plain answer, without calls"), {"role": "assistant", "content": "17 times 23 is 391."}, []),
    (message("a plain answer from the openai client, whose tool_calls is None"),
     {"role": "assistant", "content": "391.", "tool_calls": None}, []),
    (message("a call to a tool that does not exist, then a good one"),
     {"role": "assistant", "tool_calls": [call("divide", {"a": 1, "b": 2}), call("multiply", {"a": 14, "b": 36})]},
     [("mentions", "divide"), ("result", 504)]),
    (message("a call whose tool raises ValueError, then a good one"),
     {"role": "assistant", "tool_calls": [call("count_letter", {"word": "banana", "letter": "an"}),
                                          call("multiply", {"a": 2, "b": 3})]},
     [("mentions", LETTER_ERROR), ("result", 6)]),
    (message("a call with an argument missing"),
     {"role": "assistant", "tool_calls": [call("multiply", {"a": 2})]}, [("text", None)]),
]


def check_tool_messages(call: Runner, model, tokenizer) -> Message:
    """For each reply: the reply first, unchanged, then one tool message per call, in order, with text content that is
    the result, or says what went wrong, and the call's id where it has one."""
    for what, reply, expected in REPLIES:
        got = call(copy.deepcopy(reply), dict(FUNCTIONS))
        if not isinstance(got, list) or not all(isinstance(m, dict) for m in got):
            raise Fail("for {what}, your function returned {got!r}, not a list of messages (dicts).", what=what,
                       got=got)
        if got and got[0] != reply and got[0].get("role") == "assistant":
            raise Fail("for {what}, the reply you return first is {first!r}, not the reply as it came: {reply!r}.",
                       what=what, first=got[0], reply=reply)
        if not got or got[0] != reply:
            raise Fail("for {what}, the first message you return is {first!r}, not the reply: the next prompt would "
                       "hold a tool's result without the call it answers.", what=what,
                       first=got[0] if got else None)
        if len(got) != 1 + len(expected):
            raise Fail("for {what}, the reply makes {calls} calls, and the tool messages you return after it number {count}.",
                       what=what, count=len(got) - 1, calls=len(expected))
        for index, (answer, (kind, value)) in enumerate(zip(got[1:], expected)):
            sent = reply["tool_calls"][index]
            content = answer.get("content")
            if answer.get("role") != "tool" or not isinstance(content, str):
                raise Fail("for {what}, message {index} after the reply is {answer!r}: not a tool message whose content "
                           "is text.", what=what, index=index + 1, answer=answer)
            if "id" in sent and answer.get("tool_call_id") != sent["id"]:
                raise Fail("for {what}, message {index} after the reply has tool_call_id {got!r}, and the call it answers "
                           "has the id {id!r}: the server cannot tell which call the result belongs to.",
                           what=what, index=index + 1, got=answer.get("tool_call_id"), id=sent["id"])
            if kind == "result" and content.strip() not in (str(value), json.dumps(value)):
                raise Fail("for {what}, call {index} ({name}) should give {value!r}, and its tool message says {content!r}.",
                           what=what, index=index + 1, name=sent["function"]["name"], value=value, content=content)
            if kind == "mentions" and value not in content:
                raise Fail("for {what}, the tool message of call {index} says {content!r}, which does not tell the model "
                           "what went wrong ({value!r}).", what=what, index=index + 1, content=content, value=value)
    return message("every call of {count} replies is answered in order, with its result or what went wrong as text, and "
                   "the id it answers; a reply without calls passes alone, and no failing call stops the others.",
                   count=len(REPLIES))


SYSTEM_CHATML = ("{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + "
                 "'<|im_end|>\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}")
# (what the template does, its text or None) for the check to try, with the tokenizer's own template before them
TEMPLATES: list[tuple[Message, str | None]] = [
    (message("the workbook's tool template (notebook 16)"), TOOL_TEMPLATE),
    (message("no chat template at all"), None),
    (message("a template that mentions tools in a comment and never renders them"),
     "{#- This template does not support tools: the tools argument is ignored. -#}\n" + SYSTEM_CHATML),
    (message("a template that writes each tool as indented JSON"),
     "{% if tools %}{{ '<|im_start|>system\\nYou may call these functions:\\n' }}{% for tool in tools %}"
     "{{ tool | tojson(indent=4) }}{{ '\\n' }}{% endfor %}{{ '<|im_end|>\\n' }}{% endif %}" + SYSTEM_CHATML),
    (message("a template that loops over the tools and writes nothing of them"),
     "{% for tool in tools or [] %}{% endfor %}" + SYSTEM_CHATML),
    (message("a template that writes the whole list as one JSON array"),
     "{% if tools %}{{ '<|im_start|>system\\n' + tools | tojson + '<|im_end|>\\n' }}{% endif %}" + SYSTEM_CHATML),
    (message("a template that writes only the tools' names"),
     "{% if tools %}{{ 'Tools: ' }}{% for tool in tools %}{{ tool['function']['name'] }} {% endfor %}{{ '\\n' }}"
     "{% endif %}" + SYSTEM_CHATML),
    (message("a template that starts from the first message's text and ignores tools"),
     "{{ '# ' + messages[0]['content'] + '\\n' }}" + SYSTEM_CHATML),
]


def renders(tokenizer) -> bool:
    """Whether the tokenizer's chat template renders a conversation differently with a tool than without, as the doctor
    judges it (a template that only says tools are off counts: the prompt changed)."""
    conversation = [{"role": "user", "content": "What is 6 times 7?"}]
    return bool(tokenizer.chat_template) and not doctor.check_template(tokenizer, conversation, tools=[multiply])


def check_renders_tools(call: Runner, model, tokenizer) -> Message:
    """The answer agrees with rendering itself on the tokenizer's own template and on templates that render tools in
    other forms, mention them without rendering them, need a message, or are missing."""
    cases = [(message("this notebook's tokenizer's own template"), tokenizer.chat_template), *TEMPLATES]
    for what, template in cases:
        probe = copy.deepcopy(tokenizer)
        probe.chat_template = template
        expected = renders(probe)
        got = call(probe)
        if not isinstance(got, bool):
            raise Fail("for {what}, renders_tools returned {got!r}, not True or False.", what=what, got=got)
        if got != expected:
            shown = message("shows the tools to the model") if expected else message("never shows the tools to the model")
            raise Fail("renders_tools says {got} for {what}, which {shown}.", got=got, what=what, shown=shown)
    return message("right for {count} templates: ones that render tools as compact JSON, indented JSON, one JSON array "
                   "or names only, ones that ignore them (one mentions tools in a comment, one loops over them and writes "
                   "nothing, one needs a message), and none.",
                   count=len(cases))


EXERCISES = [
    Exercise("tool_messages", check_tool_messages, fix="json.loads(arguments)", hints=(
        "try your function on each kind of reply: one from the openai client (arguments as a string, calls with ids), "
        "one without calls, and one whose tool does not exist or raises. Which of them end the conversation?",
        "start the list with the reply; for each call, json.loads(arguments) when it is a string, run the tool inside "
        "try/except and make its result or the error text (json.dumps or str) the content, and copy call['id'] into "
        "tool_call_id when there is one.")),
    Exercise("renders_tools", check_renders_tools, fix="!= tokenizer.apply_chat_template(messages", hints=(
        "what a template does with tools shows only in what it renders: a template can mention tools and ignore them, "
        "or render them in a form you did not expect. What would tell you, for any template?",
        "render one conversation with tools=[a function] and without (tokenize=False), and compare the two prompts; "
        "return False when tokenizer.chat_template is None.")),
]


def started_call_is_valid(model, tokenizer) -> tuple[Any, Message]:
    """Whether the greedy reply to one question, with the prompt ending inside <tool_call>, is a valid call."""
    tools = list(FUNCTIONS.values())
    messages = [{"role": "user", "content": "What is 17 times 23?"}]
    prompt = tokenizer.apply_chat_template(messages, tools=tools, chat_template=TOOL_TEMPLATE, add_generation_prompt=True,
                                           tokenize=False, tool_choice="required")
    new = greedy(model, tokenizer, tokenizer(prompt, return_tensors="pt", add_special_tokens=False), max_new_tokens=40)[0]
    text = tokenizer.decode(new, skip_special_tokens=True)
    try:
        calls = tokenizer.parse_response(text, RESPONSE_TEMPLATE, prefix=prompt).get("tool_calls") or []
    except ValueError:
        calls = None
    validator = jsonschema.Draft202012Validator(call_schema(tools))
    valid = bool(calls) and all(validator.is_valid(c["function"]) for c in calls)
    if valid:
        return True, message("The model wrote {text!r}: started inside <tool_call>, it completed a valid call.", text=text)
    why = message("it does not parse as JSON") if calls is None else message("it parses, but is not a valid call of the tools")
    return False, message("The model wrote {text!r}, and {why}: writing the opening tag makes a call likelier, but the "
                          "model still writes what its training makes likely.", text=text, why=why)


PREDICTIONS = [
    Prediction("Predict: the prompt now ends inside a call, with <tool_call> written after the assistant's turn opens. "
               "For 'What is 17 times 23?', will the model's greedy reply be a valid call of one of the two tools? Answer "
               "True or False.", started_call_is_valid),
]
