import json


def tool_messages(reply, functions):
    """The messages that follow the reply: the reply itself, then one tool message per call, its result as text."""
    messages = [reply]
    for call in reply.get("tool_calls") or []:
        name, arguments = call["function"]["name"], call["function"]["arguments"]
        try:
            if isinstance(arguments, str):  # the OpenAI API sends arguments as a JSON string
                arguments = json.loads(arguments)
            content = json.dumps(functions[name](**arguments))
        except KeyError:
            content = f"error: there is no tool named {name!r}"
        except Exception as error:  # noqa: BLE001 - the tool's own error, or arguments that do not fit it: the model may try again
            content = f"error: {type(error).__name__}: {error}"
        message = {"role": "tool", "content": content}
        if call.get("id"):
            message["tool_call_id"] = call["id"]
        messages.append(message)
    return messages
