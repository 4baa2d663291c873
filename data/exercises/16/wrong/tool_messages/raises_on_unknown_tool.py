# mistake: a call to a tool that does not exist ends the conversation with a KeyError
import json


def tool_messages(reply, functions):
    messages = [reply]
    for call in reply.get("tool_calls") or []:
        name, arguments = call["function"]["name"], call["function"]["arguments"]
        if isinstance(arguments, str):
            arguments = json.loads(arguments)
        function = functions[name]
        try:
            content = json.dumps(function(**arguments))
        except Exception as error:  # noqa: BLE001
            content = f"error: {type(error).__name__}: {error}"
        message = {"role": "tool", "content": content}
        if call.get("id"):
            message["tool_call_id"] = call["id"]
        messages.append(message)
    return messages
