# Asks with the served name and a length limit but leaves out temperature=0, so the server samples instead of decoding greedily.
def pinned_reply(client, question):
    """The server's greedy reply to one question (at most 30 tokens), whatever model the server runs."""
    served = client.models.list().data[0].id
    reply = client.chat.completions.create(
        model=served, messages=[{"role": "user", "content": question}], max_tokens=30)
    return reply.choices[0].message.content
