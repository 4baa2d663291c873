# Treats each chunk as the whole reply so far and keeps only the last piece, instead of adding the pieces together.
def streamed_reply(client, model_name, question):
    """The server's greedy reply to one question (at most 30 tokens), streamed and put back together."""
    stream = client.chat.completions.create(
        model=model_name, messages=[{"role": "user", "content": question}], max_tokens=30, temperature=0, stream=True)
    text = ""
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            text = chunk.choices[0].delta.content
    return text
