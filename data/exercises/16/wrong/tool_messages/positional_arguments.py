# mistake: passes the arguments by position, in the order the model wrote them, not by name
import json


def tool_messages(reply, functions):
    messages = [reply]
    for call in reply.get("tool_calls") or []:
        name, arguments = call["function"]["name"], call["function"]["arguments"]
        try:
            if isinstance(arguments, str):
                arguments = json.loads(arguments)
            content = json.dumps(functions[name](*arguments.values()))
        except Exception as error:  # noqa: BLE001
            content = f"error: {type(error).__name__}: {error} ({name})"
        message = {"role": "tool", "content": content}
        if call.get("id"):
            message["tool_call_id"] = call["id"]
        messages.append(message)
    return messages
