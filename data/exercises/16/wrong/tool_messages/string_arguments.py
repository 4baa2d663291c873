# mistake: treats arguments as a dict always; the OpenAI API sends a JSON string
import json


def tool_messages(reply, functions):
    messages = [reply]
    for call in reply.get("tool_calls") or []:
        name, arguments = call["function"]["name"], call["function"]["arguments"]
        if name not in functions:
            content = f"error: there is no tool named {name!r}"
        else:
            content = json.dumps(functions[name](**arguments))
        message = {"role": "tool", "content": content}
        if call.get("id"):
            message["tool_call_id"] = call["id"]
        messages.append(message)
    return messages
