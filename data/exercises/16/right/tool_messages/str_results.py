# right: str() of each result, and a separate message for each kind of failure
import json


def tool_messages(reply, functions):
    answers = []
    for call in reply.get("tool_calls") or []:
        function = call["function"]
        arguments = function["arguments"]
        if isinstance(arguments, str):
            try:
                arguments = json.loads(arguments)
            except json.JSONDecodeError as error:
                arguments, content = None, f"Arguments are not JSON: {error}"
        tool = functions.get(function["name"])
        if tool is None:
            content = f"Unknown tool {function['name']}. Tools: {', '.join(functions)}"
        elif arguments is not None:
            try:
                content = str(tool(**arguments))
            except Exception as error:  # noqa: BLE001
                content = f"{function['name']} failed: {error!r}"
        answer = {"role": "tool", "content": content}
        if "id" in call:
            answer["tool_call_id"] = call["id"]
        answers.append(answer)
    return [reply, *answers]
