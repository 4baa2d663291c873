# Adds each chunk's content, or "" where it is None (the role and finish-reason chunks); every chunk of this stream has a choice.
def streamed_reply(client, model_name, question):
    """The server's greedy reply to one question (at most 30 tokens), streamed and put back together."""
    stream = client.chat.completions.create(
        model=model_name, messages=[{"role": "user", "content": question}], max_tokens=30, temperature=0, stream=True)
    text = ""
    for chunk in stream:
        text += chunk.choices[0].delta.content or ""
    return text
