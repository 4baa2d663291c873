# Hard-codes the model's Hub id instead of asking the server which name it serves its model under.
def pinned_reply(client, question):
    """The server's greedy reply to one question (at most 30 tokens), whatever model the server runs."""
    reply = client.chat.completions.create(
        model="HuggingFaceTB/SmolLM2-135M-Instruct", messages=[{"role": "user", "content": question}], max_tokens=30,
        temperature=0)
    return reply.choices[0].message.content
