def tool_messages(reply, functions):
    """The messages that follow the reply: the reply itself, then one tool message per call, its result as text."""
    messages = []
    for call in reply["tool_calls"]:
        function = call["function"]
        result = functions[function["name"]](**function["arguments"])
        messages.append({"role": "tool", "content": str(result)})
    return messages
