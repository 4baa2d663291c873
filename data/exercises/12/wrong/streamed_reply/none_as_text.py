# Turns every chunk's content into a string, so the None of the role and finish-reason chunks is added as the text 'None'.
def streamed_reply(client, model_name, question):
    """The server's greedy reply to one question (at most 30 tokens), streamed and put back together."""
    stream = client.chat.completions.create(
        model=model_name, messages=[{"role": "user", "content": question}], max_tokens=30, temperature=0, stream=True)
    text = ""
    for chunk in stream:
        if chunk.choices:
            text += str(chunk.choices[0].delta.content)
    return text
