"""Measure serving 8 chat requests on this machine and print a report: `python scripts/benchmark_serving.py`.

Issue 17's performance figures, on the default model in float32 (greedy, up to 64 new tokens each):
- in one process: the 8 requests one after another, as one left-padded batch, and with continuous batching
  (`generate_batch`: a paged cache, finished requests leave and the rest go on): tokens/s, the padded batch's wasted
  positions, and whether each way gives the same tokens as the requests alone;
- through `transformers serve` on 127.0.0.1 with the openai client, without and with `--continuous-batching`: time to
  the first streamed token and tokens/s for 1 client and for 8 at once.
"""

from __future__ import annotations

import argparse
import functools
import platform
import statistics
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import openai
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, ContinuousBatchingConfig, GenerationConfig

from helpers.generation import with_pad_token
from helpers.models import resolve_model
from helpers.server import start_server

QUESTIONS = ["What is the capital of France?", "Name three colours.", "Why is the sky blue?",
             "Write a haiku about the sea.", "What is 2 + 2?", "Tell me a joke.",
             "Give me a tip for learning a language.", "What is a cat?"]
CACHE = {"num_blocks": 64, "max_batch_tokens": 512}  # a paged cache for 8 short chats (the default takes 60 % of RAM)


def machine() -> str:
    """The CPU's model name and core count, as lscpu says."""
    try:
        info = dict(line.split(":", 1) for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines() if ":" in line)
        return f"{info.get('Model name', '?').strip()}, {info.get('CPU(s)', '?').strip()} cores, {platform.machine()}"
    except OSError:
        return platform.processor() or platform.machine()


def until_eos(ids: list[int], eos: int) -> list[int]:
    """The ids up to and including the first EOS."""
    return ids[: ids.index(eos) + 1] if eos in ids else ids


def in_process(model, tokenizer, prompts: list[list[int]], new_tokens: int, repeats: int) -> list[dict]:
    """Sequential, padded-batch and continuous-batching generation of the same prompts: the best of `repeats` runs."""
    eos = tokenizer.eos_token_id
    padded_tokenizer = with_pad_token(tokenizer, "left")
    batch = padded_tokenizer.pad({"input_ids": prompts}, return_tensors="pt")
    config = GenerationConfig(max_new_tokens=new_tokens, do_sample=False, eos_token_id=eos, pad_token_id=padded_tokenizer.pad_token_id)

    def sequential() -> list[list[int]]:
        return [model.generate(torch.tensor([p]), attention_mask=torch.ones(1, len(p), dtype=torch.long),
                               max_new_tokens=new_tokens, do_sample=False)[0, len(p):].tolist() for p in prompts]

    def padded() -> list[list[int]]:
        output = model.generate(**batch, max_new_tokens=new_tokens, do_sample=False)
        return [until_eos(row, eos) for row in output[:, batch["input_ids"].shape[1]:].tolist()]

    def continuous() -> list[list[int]]:
        results = model.generate_batch(prompts, generation_config=config,
                                       continuous_batching_config=ContinuousBatchingConfig(**CACHE))
        return [results[f"req_{i}"].generated_tokens for i in range(len(prompts))]

    alone = sequential()  # each request's own tokens, the reference; also a warm-up run
    rows = []
    for name, run in [("one after another", sequential), ("one padded batch", padded), ("continuous batching", continuous)]:
        seconds = []
        for _ in range(repeats):
            start = time.perf_counter()
            tokens = run()
            seconds.append(time.perf_counter() - start)
        total = sum(map(len, tokens))
        rows.append({"way": name, "tokens": total, "seconds": min(seconds), "tokens/s": total / min(seconds),
                     "same tokens as alone": sum(a == b for a, b in zip(tokens, alone))})
    slots = batch["input_ids"].numel() + len(prompts) * max(map(len, alone))
    wasted = int((batch["attention_mask"] == 0).sum()) + sum(max(map(len, alone)) - len(a) for a in alone)
    rows[1]["padding"] = f"{wasted} of {slots} positions ({wasted / slots:.0%})"
    return rows


def one_client(client: openai.OpenAI, model: str, question: str, new_tokens: int) -> tuple[float, int, float]:
    """Time to the first streamed token, completion tokens, and the whole request's seconds."""
    start, first, tokens = time.perf_counter(), None, 0
    for chunk in client.chat.completions.create(model=model, messages=[{"role": "user", "content": question}],
                                                max_tokens=new_tokens, temperature=0, stream=True,
                                                stream_options={"include_usage": True}):
        if chunk.choices and chunk.choices[0].delta.content and first is None:
            first = time.perf_counter() - start
        if chunk.usage:
            tokens = chunk.usage.completion_tokens
    return first or float("nan"), tokens, time.perf_counter() - start


def through_server(model_dir: str, new_tokens: int) -> list[dict]:
    """`transformers serve` without and with continuous batching: 1 client, then 8 at once."""
    rows = []
    for continuous in (False, True):
        extra = ("--cb-num-blocks", str(CACHE["num_blocks"]), "--cb-max-batch-tokens", str(CACHE["max_batch_tokens"]))
        with start_server(model_dir, continuous_batching=continuous, extra=extra if continuous else ()) as server:
            client = openai.OpenAI(base_url=f"{server.url}/v1", api_key="none", max_retries=0)
            one_client(client, model_dir, "Hi", 4)  # warm-up
            for clients in (1, 8):
                start = time.perf_counter()
                with ThreadPoolExecutor(clients) as pool:
                    results = list(pool.map(functools.partial(one_client, client, model_dir, new_tokens=new_tokens),
                                            QUESTIONS[:clients]))
                wall = time.perf_counter() - start
                first = [r[0] for r in results]
                rows.append({"server": "--continuous-batching" if continuous else "default", "clients": clients,
                             "first token, median s": statistics.median(first), "first token, max s": max(first),
                             "tokens": sum(r[1] for r in results), "tokens/s": sum(r[1] for r in results) / wall})
    return rows


def table(rows: list[dict]) -> str:
    """Rows as a Markdown table (floats to 2 decimals)."""
    keys = list(dict.fromkeys(key for row in rows for key in row))
    cells = [[f"{row.get(k, ''):.2f}" if isinstance(row.get(k), float) else str(row.get(k, "")) for k in keys] for row in rows]
    return "\n".join(["| " + " | ".join(keys) + " |", "|" + " --- |" * len(keys), *("| " + " | ".join(c) + " |" for c in cells)])


def main() -> None:
    """Measure and print both tables, with the machine they were measured on."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--new-tokens", type=int, default=64, help="the most new tokens per request (default 64)")
    parser.add_argument("--repeats", type=int, default=2, help="in-process runs of each way; the fastest counts (default 2)")
    args = parser.parse_args()
    model_dir = str(resolve_model(None))
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32, attn_implementation="sdpa")
    prompts = [tokenizer.apply_chat_template([{"role": "user", "content": q}], add_generation_prompt=True,
                                             return_dict=True)["input_ids"] for q in QUESTIONS]
    print(f"Machine: {machine()}; torch {torch.__version__}, {torch.get_num_threads()} threads; default model, float32, "
          f"greedy, up to {args.new_tokens} new tokens per request, {len(QUESTIONS)} requests.\n")
    print(table(in_process(model, tokenizer, prompts, args.new_tokens, args.repeats)) + "\n")
    del model
    print(table(through_server(model_dir, args.new_tokens)))


if __name__ == "__main__":
    main()
