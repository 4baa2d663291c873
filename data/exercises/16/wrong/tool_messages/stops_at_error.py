# mistake: stops at the first call that fails, so the calls after it get no answer
import json


def tool_messages(reply, functions):
    messages = [reply]
    for call in reply.get("tool_calls") or []:
        name, arguments = call["function"]["name"], call["function"]["arguments"]
        message = {"role": "tool"}
        if call.get("id"):
            message["tool_call_id"] = call["id"]
        try:
            if isinstance(arguments, str):
                arguments = json.loads(arguments)
            message["content"] = json.dumps(functions[name](**arguments))
        except Exception as error:  # noqa: BLE001
            message["content"] = f"error: {type(error).__name__}: {error} ({name})"
            messages.append(message)
            break
        messages.append(message)
    return messages
