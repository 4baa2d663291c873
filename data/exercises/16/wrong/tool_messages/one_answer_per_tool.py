# mistake: keeps one call per tool name, so a reply that calls a tool twice gets one answer
import json


def tool_messages(reply, functions):
    calls = {call["function"]["name"]: call for call in reply.get("tool_calls") or []}
    messages = [reply]
    for name, call in calls.items():
        arguments = call["function"]["arguments"]
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
