# mistake: answers only the first call of a reply that makes several
import json


def tool_messages(reply, functions):
    calls = reply.get("tool_calls") or []
    if not calls:
        return [reply]
    call = calls[0]
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
    return [reply, message]
