# mistake: makes up each tool message's tool_call_id from its position instead of copying the call's id
import json


def tool_messages(reply, functions):
    messages = [reply]
    for index, call in enumerate(reply.get("tool_calls") or []):
        name, arguments = call["function"]["name"], call["function"]["arguments"]
        try:
            if isinstance(arguments, str):
                arguments = json.loads(arguments)
            content = json.dumps(functions[name](**arguments))
        except Exception as error:  # noqa: BLE001
            content = f"error: {type(error).__name__}: {error} ({name})"
        messages.append({"role": "tool", "tool_call_id": f"call_{index}", "content": content})
    return messages
