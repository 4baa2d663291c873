# mistake: the content is the result itself (an int), not text
import json


def tool_messages(reply, functions):
    messages = [reply]
    for call in reply.get("tool_calls") or []:
        name, arguments = call["function"]["name"], call["function"]["arguments"]
        try:
            if isinstance(arguments, str):
                arguments = json.loads(arguments)
            content = functions[name](**arguments)
        except Exception as error:  # noqa: BLE001
            content = f"error: {type(error).__name__}: {error} ({name})"
        message = {"role": "tool", "content": content}
        if call.get("id"):
            message["tool_call_id"] = call["id"]
        messages.append(message)
    return messages
