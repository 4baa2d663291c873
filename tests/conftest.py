"""Fixtures: tiny randomly initialised causal LMs built offline, for the parts where the real model is not the point,
and the default model, loaded once per session where it is. Heavy libraries are imported where a fixture needs them,
so that a test of a YAML file or a script starts in a fraction of a second. A test that uses `default_model` is marked
`slow` (see pyproject.toml for the markers and `make check` for the fast loop)."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

CORPUS = [
    "A list of colors: red, blue, green, yellow, orange, purple.",
    "Portugal is a country in Europe. Its capital is Lisbon.",
    "1, 2, 3, 4, 5, 6, 7, 8, 9, 10. A, B, C, D, E, F, G.",
    "I am a cat. The cat sat on the mat. Once upon a time there was a small village.",
    "You are a friendly pirate. Hello! How are you today? Tell me a joke.",
]
CHAT_TEMPLATE = (
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


def defined_in_notebook(notebook: Path, name: str, **names: object) -> object:
    """The class or function a notebook's cell defines under name, as a learner's copy would run it: a class from its
    cell run on its own, a function from its definition and the cell's imports, given the notebook's names it reads."""
    import ast

    import nbformat

    cells = [cell for cell in nbformat.read(notebook, as_version=4).cells
             if f"class {name}(" in cell.source or f"def {name}(" in cell.source]
    assert len(cells) == 1, f"{notebook.name} should define {name} in one cell, not {len(cells)}"
    source = cells[0].source
    if f"def {name}(" in source:  # the definition and the imports, without the rest of the cell's work
        tree = ast.parse(source)
        kept = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))
                or (isinstance(node, ast.FunctionDef) and node.name == name)]
        source = ast.unparse(ast.Module(body=kept, type_ignores=[]))
    namespace: dict[str, object] = dict(names)
    exec(compile(source, str(notebook), "exec", dont_inherit=True), namespace)  # as the cell runs: no __future__
    return namespace[name]


def build_tiny_model(path: Path, arch: str = "llama", chat_template: bool = True) -> Path:
    """Write a tiny random causal LM with a byte-level BPE tokenizer (no pad token) to a folder."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import AutoModelForCausalLM, GPT2Config, LlamaConfig, PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE(unk_token="<unk>"))
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    specials = ["<unk>", "<|im_start|>", "<|im_end|>"]
    bpe.train_from_iterator(
        CORPUS, trainers.BpeTrainer(vocab_size=400, special_tokens=specials, initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    )
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe, bos_token="<|im_start|>", eos_token="<|im_end|>", unk_token="<unk>")
    if chat_template:
        tokenizer.chat_template = CHAT_TEMPLATE
    ids = dict(vocab_size=len(tokenizer), bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id)
    # 2,048 positions: notebook 16's tool prompts take about 1,100 of this tokenizer's tokens
    if arch == "llama":
        config = LlamaConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                             num_key_value_heads=2, max_position_embeddings=2048, tie_word_embeddings=True, **ids)
    else:
        config = GPT2Config(n_embd=32, n_layer=2, n_head=4, n_positions=256, **ids)
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_config(config)
    if arch != "llama":  # GPT-2's learned positions: the first 256 as drawn (the weights as before), tiled to 2,048
        drawn = model.transformer.wpe.weight.data
        model.transformer.wpe = torch.nn.Embedding.from_pretrained(drawn.repeat(8, 1), freeze=False)
        model.config.n_positions = 2048
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


@pytest.fixture(scope="session")
def tiny_llama(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny Llama-architecture model with a chat template."""
    return build_tiny_model(tmp_path_factory.mktemp("tiny-llama"))


@pytest.fixture(scope="session")
def tiny_gpt2(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny GPT-2-architecture model without a chat template."""
    return build_tiny_model(tmp_path_factory.mktemp("tiny-gpt2"), arch="gpt2", chat_template=False)


@pytest.fixture(scope="session")
def default_model() -> tuple:
    """The workbook's default model in float32 on the CPU and its tokenizer, loaded once for the whole session."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from helpers.models import resolve_model

    path = resolve_model()
    return AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32).eval(), AutoTokenizer.from_pretrained(path)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that loads the default model as slow."""
    for item in items:
        if "default_model" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    """Run a command, failing the test with its output if it fails."""
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{' '.join(map(str, command))}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def preinstalled_environment(where: Path) -> Path:
    """A fresh virtual environment with this one's packages preinstalled, except the workbook; returns its python."""
    run([sys.executable, "-m", "venv", "--without-pip", str(where / "venv")])  # pip, like the rest, comes preinstalled
    python = where / "venv" / "bin" / "python"
    preinstalled = where / "preinstalled"
    preinstalled.mkdir()
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if not entry.name.startswith(("__editable__", "llm_generation_workbook_helpers", "helpers")):
            (preinstalled / entry.name).symlink_to(entry)
    site = Path(run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    (site / "colab_preinstalled.pth").write_text(f"{preinstalled}\n")
    return python


# Loaded first by every Python process of the book's build: a connection anywhere but a local socket fails it.
NO_NETWORK = '''import socket
_connect = socket.socket.connect
def _refuse(self, address):
    if self.family != socket.AF_UNIX:
        raise OSError(f"the book build tried to reach {address}: it must build offline")
    return _connect(self, address)
socket.socket.connect = _refuse
'''


@pytest.fixture(scope="session")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The book site of both editions, built the way `make book` builds it, with the network cut: once per session,
    pytest-xdist's workers included (the first to ask builds it under a lock, the others read it)."""
    import importlib.util
    from unittest import mock

    from filelock import FileLock

    shared = tmp_path_factory.getbasetemp().parent if "PYTEST_XDIST_WORKER" in os.environ else tmp_path_factory.getbasetemp()
    into = shared / "book"
    with FileLock(shared / "book.lock"):
        if not (into / "index.html").exists():
            offline = shared / "offline"
            offline.mkdir(exist_ok=True)
            (offline / "sitecustomize.py").write_text(NO_NETWORK)
            spec = importlib.util.spec_from_file_location("build_book", Path(__file__).parents[1] / "scripts" / "build_book.py")
            build_book = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(build_book)
            with mock.patch.dict("os.environ", {"PYTHONPATH": str(offline)}):
                build_book.build(into)
    return into
