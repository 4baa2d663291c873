# mistake: tool messages carry no tool_call_id, which OpenAI's API requires when the calls have ids
import json


def tool_messages(reply, functions):
    messages = [reply]
    for call in reply.get("tool_calls") or []:
        name, arguments = call["function"]["name"], call["function"]["arguments"]
        try:
            if isinstance(arguments, str):
                arguments = json.loads(arguments)
            content = json.dumps(functions[name](**arguments))
        except Exception as error:  # noqa: BLE001
            content = f"error: {type(error).__name__}: {error} ({name})"
        messages.append({"role": "tool", "content": content})
    return messages
