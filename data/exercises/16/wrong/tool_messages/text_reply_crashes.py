# mistake: a reply without calls (plain text) raises KeyError instead of passing through
import json


def tool_messages(reply, functions):
    messages = [reply]
    for call in reply["tool_calls"]:
        name, arguments = call["function"]["name"], call["function"]["arguments"]
        try:
            if isinstance(arguments, str):
                arguments = json.loads(arguments)
            content = json.dumps(functions[name](**arguments))
        except Exception as error:  # noqa: BLE001
            content = f"error: {type(error).__name__}: {error} ({name})"
        message = {"role": "tool", "content": content}
        if call.get("id"):
            message["tool_call_id"] = call["id"]
        messages.append(message)
    return messages
