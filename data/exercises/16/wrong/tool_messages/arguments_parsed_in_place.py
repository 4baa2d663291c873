# mistake: parses string arguments into the reply itself, so the reply sent back is not the one the model wrote
import json


def tool_messages(reply, functions):
    messages = [reply]
    for call in reply.get("tool_calls") or []:
        function = call["function"]
        try:
            if isinstance(function["arguments"], str):
                function["arguments"] = json.loads(function["arguments"])
            content = json.dumps(functions[function["name"]](**function["arguments"]))
        except Exception as error:  # noqa: BLE001
            content = f"error: {type(error).__name__}: {error} ({function['name']})"
        message = {"role": "tool", "content": content}
        if call.get("id"):
            message["tool_call_id"] = call["id"]
        messages.append(message)
    return messages
