"""Measure generation against the machine's limit: read bandwidth, timed generate calls, the memory they add, profiles."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import importlib.util
import os
import platform
import re
import shutil
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import torch
from torch.utils._python_dispatch import is_traceable_wrapper_subclass

_STATUS, _CLEAR_REFS = Path("/proc/self/status"), Path("/proc/self/clear_refs")
MATMULS = {"aten::mm", "aten::addmm", "aten::bmm", "aten::_int_mm", "aten::linear",
           "aten::_scaled_dot_product_flash_attention_for_cpu", "aten::_efficient_attention_forward",
           "aten::_flash_attention_forward", "aten::_scaled_dot_product_efficient_attention",
           "aten::_scaled_dot_product_flash_attention"}


def synchronize(device: torch.device | str) -> None:
    """Wait until the device has finished its queued work (nothing to wait for on the CPU), so timings are honest."""
    kind = torch.device(device).type
    if kind == "cuda":
        torch.cuda.synchronize(device)
    elif kind == "mps":
        torch.mps.synchronize()


def read_bandwidth(device: torch.device | str = "cpu", gib: float = 1.0, repeats: int = 5) -> float:
    """How fast the device reads memory, in bytes/s: the best of `repeats` sums over a `gib`-GiB float32 tensor."""
    data = torch.ones(int(gib * 2**30) // 4, device=device)
    data.sum()  # the first pass pays for page faults and allocator set-up
    seconds = []
    for _ in range(repeats):
        synchronize(device)
        start = time.perf_counter()
        data.sum()
        synchronize(device)
        seconds.append(time.perf_counter() - start)
    return data.numel() * data.element_size() / min(seconds)


def stored_bytes(tensor: torch.Tensor) -> int:
    """The bytes a tensor keeps in memory; a quantized tensor subclass (torchao's) counts its parts: values, scales."""
    if is_traceable_wrapper_subclass(tensor):
        names, _ = tensor.__tensor_flatten__()
        return sum(stored_bytes(getattr(tensor, name)) for name in names)
    return tensor.numel() * tensor.element_size()


def weight_bytes(model: torch.nn.Module) -> int:
    """The memory the weights take: every parameter and buffer once (shared embeddings once), as stored."""
    unique = {id(tensor): tensor for tensor in [*model.parameters(), *model.buffers()]}
    return sum(map(stored_bytes, unique.values()))


def bytes_per_token(model: torch.nn.Module) -> int:
    """The bytes one decoding step at batch 1 reads: every parameter once, but one row of an embedding table that no
    other layer shares (a token looks up its own row; a table tied to the output layer is read whole there)."""
    users = Counter(id(p) for module in model.modules() for p in module.parameters(recurse=False))
    read, seen = 0, set()
    for module in model.modules():
        for parameter in module.parameters(recurse=False):
            if id(parameter) not in seen:
                seen.add(id(parameter))
                whole = stored_bytes(parameter)
                alone = isinstance(module, torch.nn.Embedding) and users[id(parameter)] == 1
                read += whole // parameter.shape[0] if alone else whole
    return read


@dataclass
class Products:
    """One shape of the model's matrix products at batch 1: its layers, their bytes, one pass's seconds over them all."""

    shape: tuple[int, int]
    layers: int
    bytes: int
    seconds: float

    @property
    def bytes_per_s(self) -> float:
        """How fast these products read their weights."""
        return self.bytes / self.seconds


def time_products(model: torch.nn.Module, repeats: int = 5) -> list[Products]:
    """Time each shape of the model's linear layers on one token's vector: one pass through every layer of that shape,
    in order, as a decoding step reads them (together larger than the CPU's caches); the fastest of `repeats` passes."""
    by_shape: dict[tuple[int, int], list[torch.nn.Module]] = {}
    for module in model.modules():
        if isinstance(module, torch.nn.Linear):
            by_shape.setdefault((module.out_features, module.in_features), []).append(module)
    found = []
    with torch.inference_mode():
        for shape, layers in by_shape.items():
            vector = torch.randn(1, 1, shape[1], dtype=model.dtype, device=model.device)
            seconds = []
            for _ in range(repeats + 1):  # the first pass warms up
                synchronize(model.device)
                start = time.perf_counter()
                for layer in layers:
                    layer(vector)
                synchronize(model.device)
                seconds.append(time.perf_counter() - start)
            weights = {id(layer.weight): layer.weight for layer in layers}.values()
            found.append(Products(shape, len(layers), sum(map(stored_bytes, weights)), min(seconds[1:])))
    return found


def _release_free_memory() -> None:
    """Collect garbage and hand freed heap pages back to the OS (glibc), so that reused memory shows as new."""
    gc.collect()
    libc = ctypes.util.find_library("c")
    trim = getattr(ctypes.CDLL(libc), "malloc_trim", None) if libc else None
    if trim:
        trim(0)


def _status_kib(field: str) -> int:
    """One memory figure of /proc/self/status (VmRSS: resident now, VmHWM: resident at most), in KiB."""
    return int(re.search(rf"^{field}:\s+(\d+) kB", _STATUS.read_text(), re.MULTILINE).group(1))


def _reset_cpu_peak() -> bool:
    """Reset this process's peak resident memory (Linux 4.0 or later); False where that cannot be done."""
    try:
        _CLEAR_REFS.write_text("5")
        return True
    except OSError:
        return False


@contextmanager
def added_memory(device: torch.device | str) -> Iterator[dict[str, int | None]]:
    """Record in ["bytes"] the most memory the block added on the device: CUDA, or a Linux CPU; None elsewhere."""
    kind, found = torch.device(device).type, {"bytes": None}
    if kind == "cuda":
        synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
        before = torch.cuda.memory_allocated(device)
        yield found
        synchronize(device)
        found["bytes"] = torch.cuda.max_memory_allocated(device) - before
    elif kind == "cpu" and _STATUS.exists():
        _release_free_memory()
        resettable = _reset_cpu_peak()
        before = _status_kib("VmRSS")
        yield found
        if resettable:
            found["bytes"] = max(0, _status_kib("VmHWM") - before) * 1024
    else:
        yield found


@dataclass
class Run:
    """One timed generate call: its output, the new tokens in each row, its seconds, the memory it added, and when
    its first new tokens arrived (seconds after the call began, and how many per row)."""

    output: torch.Tensor
    new_tokens: int
    seconds: float
    added_bytes: int | None
    first_token_seconds: float | None = None
    first_tokens: int = 1

    @property
    def tokens_per_s(self) -> float:
        """New tokens per second, all rows together, the prompt's pass included."""
        return self.output.shape[0] * self.new_tokens / self.seconds

    @property
    def decoding_tokens_per_s(self) -> float | None:
        """New tokens per second after the first arrived, all rows together: decoding alone, which the roofline bounds
        (the prompt's pass gives the first token); None where the first arrival is not known or holds every token."""
        if self.first_token_seconds is None or self.new_tokens <= self.first_tokens:
            return None
        return self.output.shape[0] * (self.new_tokens - self.first_tokens) / (self.seconds - self.first_token_seconds)


class _Arrival:
    """A streamer for `generate` that notes when its first new tokens arrive, and how many per row (several when a
    draft's guesses are accepted at once). `generate` hands it tokens already copied to the CPU, so the device has
    computed them."""

    def __init__(self) -> None:
        self.calls, self.seconds, self.tokens = 0, None, 1

    def put(self, value: torch.Tensor) -> None:
        self.calls += 1
        if self.calls == 2:  # the first call carries the prompt
            self.seconds, self.tokens = time.perf_counter(), value.shape[-1] if value.dim() > 1 else 1

    def end(self) -> None:
        pass


def timed(model: torch.nn.Module, inputs: Mapping[str, torch.Tensor], warmup: bool = True, repeats: int = 1,
          **options) -> Run:
    """`model.generate(**inputs, **options)` after one identical warm-up call: the fastest of `repeats` timed calls,
    with its first token's arrival (not for beam search, which takes no streamer)."""
    watch = "streamer" not in options and options.get("num_beams", 1) == 1

    def generate(arrival: _Arrival) -> torch.Tensor:
        return model.generate(**inputs, **options, **({"streamer": arrival} if watch else {}))

    if warmup:
        generate(_Arrival())
    runs = []
    for _ in range(repeats):
        arrival = _Arrival()
        with added_memory(model.device) as memory:
            synchronize(model.device)
            start = time.perf_counter()
            output = generate(arrival)
            synchronize(model.device)
            seconds = time.perf_counter() - start
        first = arrival.seconds - start if arrival.seconds is not None else None
        runs.append(Run(output, output.shape[1] - inputs["input_ids"].shape[1], seconds, memory["bytes"], first, arrival.tokens))
    return min(runs, key=lambda run: run.seconds)


@dataclass
class Profile:
    """Where one generate call's time went: matrix products' share of operator time, operators' share of the wall time."""

    matmul_share: float
    busy_share: float


def profile_generate(model: torch.nn.Module, inputs: Mapping[str, torch.Tensor], **options) -> Profile:
    """Profile one generate call: the share of operator time in matrix products, and how busy the device was."""
    on_gpu = model.device.type == "cuda"
    activities = [torch.profiler.ProfilerActivity.CPU] + ([torch.profiler.ProfilerActivity.CUDA] if on_gpu else [])
    with _quiet_stderr(), torch.profiler.profile(activities=activities) as profile:
        start = time.perf_counter()
        model.generate(**inputs, **options)
        synchronize(model.device)
        wall_us = (time.perf_counter() - start) * 1e6
    own_time = "self_device_time_total" if on_gpu else "self_cpu_time_total"  # microseconds, children excluded
    events = [event for event in profile.key_averages() if event.key.startswith("aten::")]  # kernels count in their op
    total = sum(getattr(event, own_time) for event in events)
    in_matmuls = sum(getattr(event, own_time) for event in events if event.key in MATMULS)
    return Profile(in_matmuls / total if total else 0.0, min(1.0, total / wall_us))


def compiled_passes(model: torch.nn.Module, inputs: Mapping[str, torch.Tensor], **options) -> tuple[torch.Tensor, int]:
    """One `model.generate` call in which nothing may compile anew, and how many times compiled code ran in it: the
    profiler's "Torch-Compiled Region" events, one per compiled frame (one per forward pass with fullgraph=True)."""
    with _quiet_stderr(), torch.compiler.set_stance("fail_on_recompile"), torch.profiler.profile() as profile:
        output = model.generate(**inputs, **options)
    return output, sum(event.name.startswith("Torch-Compiled Region") for event in profile.events())


def exits_early(model: torch.nn.Module) -> bool:
    """Whether the model runs only its first config.num_hidden_layers layers, which assistant_early_exit relies on."""
    config = getattr(model, model.base_model_prefix).config
    layers = config.num_hidden_layers
    try:
        config.num_hidden_layers = 1
        with torch.no_grad():
            states = model(torch.zeros((1, 2), dtype=torch.long, device=model.device), use_cache=False,
                           output_hidden_states=True).hidden_states
    finally:
        config.num_hidden_layers = layers
    return len(states) == 2  # the embeddings and one layer's output


@contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Send the process's own stderr (file descriptor 2) to /dev/null: the profiler's C++ start/stop lines go there."""
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def compile_problem(device: str) -> str | None:
    """Why torch.compile cannot run on this device here (no C++ compiler, no triton, Apple GPU), or None when it can."""
    kind = torch.device(device).type
    if kind == "cpu" and not any(map(shutil.which, ("g++", "c++", "clang++"))):
        return "torch.compile on a CPU needs a C++ compiler, and there is none here (Debian/Ubuntu: apt install g++)."
    if kind == "cuda" and importlib.util.find_spec("triton") is None:
        return "torch.compile on a CUDA GPU needs triton, which is not installed: pip install triton."
    if kind not in ("cpu", "cuda"):
        return f"torch.compile on {kind} is experimental in torch {torch.__version__}: skipped."
    return None


def processor_name() -> str:
    """The CPU's marketing name where Linux tells it (/proc/cpuinfo), else what Python's platform module knows."""
    cpuinfo = Path("/proc/cpuinfo")
    found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.MULTILINE) if cpuinfo.exists() else None
    return found.group(1).strip() if found else platform.processor() or platform.machine()


def megabytes(count: int | None) -> str:
    """Bytes as "538 MB", or "n/a" when unknown."""
    return "n/a" if count is None else f"{count / 1e6:,.0f} MB"


def llama_cpp_problem() -> str | None:
    """Why llama.cpp cannot run here (llama-cpp-python not installed), or None when it can."""
    if importlib.util.find_spec("llama_cpp") is None:
        return ("llama.cpp skipped: llama-cpp-python is not installed (`make llama-cpp` builds it from source, "
                "about 15 minutes on 2 cores).")
    return None


def llama_cpp_generate(gguf: Path | str, prompt: list[int], max_new_tokens: int, repeats: int = 1) -> Run:
    """Greedy decoding of the token ids `prompt` with llama.cpp on a GGUF file, on torch's thread count, after one
    warm-up call: the fastest call as a `Run` (its new tokens up to and with end-of-text, or `max_new_tokens` of them).
    Each call evaluates the whole prompt: llama-cpp-python would otherwise reuse the previous call's matching prefix."""
    from llama_cpp import Llama

    llm = Llama(str(gguf), n_ctx=len(prompt) + max_new_tokens + 8, n_threads=torch.get_num_threads(), verbose=False)
    runs = []
    for _ in range(repeats + 1):
        llm.reset()  # forget the previous call's tokens, so that the prompt's pass is timed as generate's is
        start, tokens, first = time.perf_counter(), [], None
        for token in llm.generate(prompt, top_k=1, temp=0.0, reset=True):
            first = first or time.perf_counter() - start
            tokens.append(token)  # end-of-text included, as generate includes it
            if token == llm.token_eos() or len(tokens) == max_new_tokens:
                break
        runs.append(Run(torch.tensor([prompt + tokens]), len(tokens), time.perf_counter() - start, None, first))
    return min(runs[1:], key=lambda run: run.seconds)


def gguf_bytes_per_token(gguf: Path | str) -> int:
    """The bytes one llama.cpp decoding step reads from a GGUF file: every tensor, as stored, but one row of the token
    embedding table when the file has a separate output layer (without one, the output layer reads the table whole)."""
    from gguf import GGUFReader

    tensors = {tensor.name: tensor for tensor in GGUFReader(gguf).tensors}
    read = {name: int(tensor.n_bytes) for name, tensor in tensors.items()}
    if "output.weight" in tensors and "token_embd.weight" in tensors:
        read["token_embd.weight"] //= int(tensors["token_embd.weight"].shape[-1])
    return sum(read.values())
