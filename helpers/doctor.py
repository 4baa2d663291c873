"""The doctor for your own `generate` calls: it names the workbook's pitfalls in a call, before or while it runs.

    findings = check(model, tokenizer, inputs, max_new_tokens=40)   # one call, nothing generated
    findings = check_template(tokenizer, messages, tools=tools)       # what the chat template ignores
    with watch(model, tokenizer, reproducible=True):                 # every generate call inside the block
        model.generate(**inputs, do_sample=True)

Each finding names the pitfall, why it matters, the one-line fix and the notebook section that teaches it, and has a
severity: "error" for a mistake that breaks or changes the output, "note" for what may be meant (a raw prompt to a chat
model: text completion) or what only matters sometimes; `str(finding)` starts notes with "note: ", and
`errors(findings)` keeps only the errors. The doctor only reads the call (the inputs, the arguments, the model's
generation config and embedding size); what it cannot read it reports as a "cannot check …" note instead of raising.

What a finding says is a template of helpers.language, said in the notebook's language: `check(..., language="ar")` and
`watch(..., language="ar")` print their findings in Arabic (right-to-left), citing the Arabic edition's sections. A
finding's `name`, `why`, `fix` and `lesson` stay English (what code compares); `finding.said("fix")` is one part in
the finding's language, `finding.say("ar")` the whole line in any.
"""

from __future__ import annotations

import contextlib
import copy
import difflib
import functools
import inspect
import re
import warnings
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import torch
from transformers import GenerationConfig
from transformers.generation.utils import GENERATION_MODES_MAPPING
from transformers.utils import logging as transformers_logging

from helpers.generation import generate_replaced, one_line, special_token_strings
from helpers.language import Message, check_language, displayed, message, say

SAMPLING_ONLY = ("temperature", "top_k", "top_p", "min_p", "typical_p", "epsilon_cutoff", "eta_cutoff")
BEAM_ONLY = ("length_penalty", "early_stopping")
USEFUL_ANSWER = 16  # new tokens below which a max_length leaves no room for an answer
# the settings that choose a decoding strategy (GenerationConfig.get_generation_mode reads them)
STRATEGY = ("constraints", "force_words_ids", "num_beams", "num_beam_groups", "do_sample", "top_k", "penalty_alpha", "dola_layers")
ERROR, NOTE = "error", "note"
Severity = Literal["error", "note"]
PARTS = ("name", "why", "fix", "lesson")
Part = Literal["name", "why", "fix", "lesson"]


@dataclass(frozen=True)
class Finding:
    """One pitfall found in a generate call: what, why it matters, the fix, where the workbook teaches it, and its severity."""

    name: str  # each part in English (what notebooks and tests compare); `said` gives it in the finding's language
    why: str
    fix: str
    lesson: str
    severity: Severity = ERROR  # "error": breaks or changes the output; "note": may be what the learner means
    language: str = field(default="en", compare=False, repr=False)  # what str() says it in
    messages: Mapping[str, Message] = field(default_factory=dict, compare=False, repr=False)  # each part's template

    def said(self, part: Part, language: str | None = None) -> str:
        """One part of the finding (name, why, fix or lesson) in a language, the finding's own unless given."""
        template = self.messages.get(part)
        return template.say(language or self.language) if template else getattr(self, part)

    def say(self, language: str | None = None) -> str:
        """The whole finding in one line, in a language (the finding's own unless given)."""
        language = language or self.language
        parts = {part: self.said(part, language) for part in PARTS}
        if self.severity == NOTE:
            return say(language, "note: {name}: {why} Fix: {fix} (see {lesson})", **parts)
        return say(language, "{name}: {why} Fix: {fix} (see {lesson})", **parts)  # an error reads as the plain finding

    def __str__(self) -> str:
        return displayed(self.language, self.say())


def pitfall(name: str | Message, why: str | Message, fix: str | Message, lesson: str | Message,
            severity: Severity = ERROR, /, **values: Any) -> Finding:
    """A finding from the templates (or messages) of its name, why, fix and lesson, and the values of their fields."""
    parts = {part: text if isinstance(text, Message) else message(text, **values)
             for part, text in zip(PARTS, (name, why, fix, lesson))}
    return Finding(*(text.say() for text in parts.values()), severity, messages=parts)


def errors(findings: Iterable[Finding]) -> list[Finding]:
    """Only the mistakes among the findings, without the notes: `doctor.errors(doctor.check(...))`."""
    return [finding for finding in findings if finding.severity == ERROR]


def _cannot(what: str, reason: str, /, **values: Any) -> Finding:
    """A note that one pitfall could not be checked on this call, and why (templates): a limit of the doctor, not a
    mistake in the call."""
    return pitfall(message("cannot check {what}", what=message(what)), reason, "nothing to fix", "the doctor's notes",
                   NOTE, **values)


def _tokens(inputs: Any, kwargs: Mapping[str, Any]) -> tuple[torch.Tensor | None, torch.Tensor | None, bool]:
    """The call's input ids, its attention mask, and whether a mask was passed at all."""
    if isinstance(inputs, Mapping):
        ids, mask = inputs.get("input_ids"), inputs.get("attention_mask")
        passed = "attention_mask" in inputs or "attention_mask" in kwargs
    else:
        ids, mask, passed = inputs, None, "attention_mask" in kwargs
    ids = kwargs.get("input_ids", ids)
    mask = kwargs.get("attention_mask", mask)
    if isinstance(ids, list):
        ids = torch.tensor(ids)
    if not isinstance(ids, torch.Tensor) or ids.dtype not in (torch.int64, torch.int32) or ids.dim() not in (1, 2):
        return None, None, passed
    ids = ids if ids.dim() == 2 else ids[None]
    if isinstance(mask, torch.Tensor) and mask.shape[-1] == ids.shape[-1]:
        mask = mask if mask.dim() == 2 else mask[None]
    else:
        mask = None
    return ids, mask, passed


def _setting(model, kwargs: Mapping[str, Any], name: str) -> tuple[Any, bool]:
    """A generation setting's effective value (call, then generation_config=, then the model's), and whether the call set it."""
    if name in kwargs:
        return kwargs[name], True
    given = kwargs.get("generation_config")
    if given is not None and getattr(given, name, None) is not None:
        return getattr(given, name), True
    return getattr(getattr(model, "generation_config", None), name, None), False


def _ids(value: Any) -> set[int]:
    """A token id, or a list of them, as a set."""
    if value is None:
        return set()
    if isinstance(value, torch.Tensor):
        return set(value.flatten().tolist())
    return set(value) if isinstance(value, (list, tuple, set)) else {int(value)}


def _padding(ids: torch.Tensor, mask: torch.Tensor | None, pad: set[int]) -> tuple[bool, bool]:
    """Whether any row is padded on the right, and whether any is padded at all."""
    if mask is not None:
        holes = mask == 0
        return bool(holes[:, -1].any()), bool(holes.any())
    if not pad:
        return False, False
    is_pad = torch.isin(ids, torch.tensor(sorted(pad), device=ids.device))
    right = bool((is_pad[:, -1] & ~is_pad[:, 0]).any()) and not bool(is_pad[:, -1].all())
    return right, bool(is_pad.any()) and not bool(is_pad.all())


def _template_markers(tokenizer) -> set[int]:
    """The special-token ids the chat template writes around a message, less those the tokenizer adds to plain text (BOS)."""
    probe = tokenizer.apply_chat_template([{"role": "user", "content": "x"}], add_generation_prompt=True, tokenize=True)
    probe = probe["input_ids"] if isinstance(probe, Mapping) else probe
    special = set(getattr(tokenizer, "all_special_ids", []))
    return {int(t) for t in probe if int(t) in special} - set(tokenizer("x")["input_ids"])


def _system_header(tokenizer) -> tuple[str, str] | None:
    """The first line the chat template writes for a system turn (its role marker) and the BOS text before it, if any."""
    marker = "\u2063doctor\u2063"
    try:
        text = tokenizer.apply_chat_template([{"role": "system", "content": marker}], tokenize=False)
    except Exception:  # noqa: BLE001 - templates that reject a system turn
        return None
    header, bos = text.split(marker)[0].split("\n")[0], getattr(tokenizer, "bos_token", None) or ""
    specials = special_token_strings(tokenizer)
    if bos and header.startswith(bos) and any(t in header[len(bos):] for t in specials):
        return header[len(bos):], bos  # Llama 3 style: BOS, then the role marker
    return (header, "") if any(t in header for t in specials) else None


def _commas(items: list[Any]) -> Any:
    """Items as "a, b, c", said in the reader's language (its comma)."""
    return functools.reduce(lambda joined, item: message("{first}, {then}", first=joined, then=item), items)


def _listed(items: list[Any]) -> Any:
    """Items as "a, b and c", said in the reader's language."""
    return items[0] if len(items) == 1 else message("{rest} and {last}", rest=_commas(items[:-1]), last=items[-1])


def _few(values: list[int]) -> Any:
    """Up to three ids, and how many more."""
    shown = _commas(values[:3])
    return shown if len(values) <= 3 else message("{shown} and {more} more", shown=shown, more=len(values) - 3)


def _beyond_embeddings(model, ids: torch.Tensor | None, kwargs: Mapping[str, Any]) -> list[Finding]:
    """Token ids with no row in the model's input embeddings: in the prompt (padding included), or the pad/BOS/EOS generate uses."""
    try:
        rows = int(model.get_input_embeddings().num_embeddings)
    except Exception as error:  # noqa: BLE001 - a model without a plain embedding matrix
        return [_cannot("token ids", "the model's input embeddings have no size the doctor can read ({error}).",
                        error=type(error).__name__)]

    def outside(value: Any) -> list[int]:
        return sorted(i for i in _ids(value) if not 0 <= i < rows)

    bad = {
        "input ids": outside(ids.unique()) if ids is not None else [],  # padding included: the lookup ignores the mask
        "pad_token_id": outside(_setting(model, kwargs, "pad_token_id")[0]),  # fed back once a row ends before the others
        "bos_token_id": outside(_setting(model, kwargs, "bos_token_id")[0]) if ids is None and "inputs_embeds" not in kwargs else [],  # no prompt: generate starts from BOS
        "eos_token_id": outside(_setting(model, kwargs, "eos_token_id")[0]),
    }
    bad = {what: values for what, values in bad.items() if values}
    if not bad:
        return []
    crash = message("the embedding lookup fails (IndexError on a CPU, a device-side assert on CUDA)")
    effects = []
    if set(bad) - {"pad_token_id", "eos_token_id"}:
        effects.append(crash)
    elif "pad_token_id" in bad:
        effects.append(message("once a row ends before the others, generate feeds it the pad id and {crash}", crash=crash))
    if "eos_token_id" in bad:
        effects.append(message("the model can never produce that EOS, so generation does not stop at it"))
    named = [message("{setting} {ids}", setting=what, ids=_few(values)) if what != "input ids"
             else message("input id {ids}" if len(values) == 1 else "input ids {ids}", ids=_few(values))
             for what, values in bad.items()]
    added = message(" (a token added to the tokenizer without resizing the model?)") if any(i >= rows for v in bad.values() for i in v) else ""
    effect = effects[0] if len(effects) == 1 else message("{first}; {then}", first=effects[0], then=effects[1])
    return [pitfall(
        "token id beyond the embeddings",
        "{named} is outside the model's embedding rows, 0 to {last}{added}: {effects}." if sum(map(len, bad.values())) == 1
        else "{named} are outside the model's embedding rows, 0 to {last}{added}: {effects}.",
        "model.resize_token_embeddings(len(tokenizer)) after adding tokens, or reuse a token the model has (tokenizer.pad_token = tokenizer.eos_token).",
        "notebook 08, 'A model without a pad token'", named=_listed(named), last=rows - 1, added=added, effects=effect)]


def check(model, tokenizer, inputs=None, /, *, language: str = "en", **generate_kwargs) -> list[Finding]:
    """The pitfalls in `model.generate(inputs, **generate_kwargs)`, without generating, said in `language` when printed;
    never raises on the call."""
    return _checked(model, tokenizer, inputs, generate_kwargs, check_language(language))


def check_template(tokenizer, conversation, /, *, language: str = "en", **template_kwargs) -> list[Finding]:
    """The arguments of `tokenizer.apply_chat_template(conversation, **template_kwargs)` that its chat template ignores:
    `tools`, `documents` or a template variable (enable_thinking=...) without which, or flipped, it renders the same prompt."""
    check_language(language)
    known = set(inspect.signature(tokenizer.apply_chat_template).parameters) - {"tools", "documents", "kwargs"}
    rendering = {key: value for key, value in template_kwargs.items() if key not in {"tokenize", "return_dict", "return_tensors"}}
    given = [key for key, value in rendering.items() if key not in known and value is not None]
    if not given:
        return []

    def without(key: str, **instead: Any) -> str:
        """The prompt with the argument `key` left out (or given as in `instead`)."""
        kept = {k: v for k, v in rendering.items() if k != key}
        return tokenizer.apply_chat_template(conversation, tokenize=False, **kept, **instead)

    try:
        prompt = tokenizer.apply_chat_template(conversation, tokenize=False, **rendering)
        # a switch left at the template's default renders the prompt it renders without it: flipped, it must not
        ignored = [key for key in given if without(key) == prompt
                   and (not isinstance(rendering[key], bool) or without(key, **{key: not rendering[key]}) == prompt)]
    except Exception as error:  # noqa: BLE001 - a template that raises is the learner's to see when they call it
        return [replace(_cannot("the chat template", "rendering the conversation failed ({error}).", error=type(error).__name__),
                        language=language)]
    findings = [pitfall(
        "template ignores an argument", "the chat template renders the same prompt with or without {arguments}: what you passed never reaches the model.",
        "use a chat template that renders it (tokenizer.chat_template = ...), or put it into a message yourself.",
        "notebook 16, 'A template without tools drops them'" if {"tools", "documents"} & set(ignored)
        else "notebook 17, 'A thinking switch in the template'", arguments=_commas(ignored))] if ignored else []
    return [replace(finding, language=language) for finding in findings]


def _checked(model, tokenizer, inputs: Any, kwargs: Mapping[str, Any], language: str) -> list[Finding]:
    """check()'s findings in the language, a "cannot check this call" note where reading the call raised."""
    try:
        findings = _check(model, tokenizer, inputs, kwargs)
    except Exception as error:  # noqa: BLE001 - an input the doctor does not understand must not break the learner's code
        findings = [_cannot("this call", "the doctor could not read it ({error}: {text}).", error=type(error).__name__,
                            text=error)]
    return [replace(finding, language=language) for finding in findings]


def _check(model, tokenizer, inputs: Any, kwargs: Mapping[str, Any]) -> list[Finding]:
    """check()'s work, which may raise on inputs it does not understand."""
    ids, mask, mask_passed = _tokens(inputs, kwargs)
    findings = _beyond_embeddings(model, ids, kwargs)
    config = getattr(model, "config", None)
    if getattr(config, "is_encoder_decoder", False):
        return [*findings, _cannot("padding and lengths", "an encoder-decoder model pads and counts differently from a decoder-only one.")]
    pad_id, _ = _setting(model, kwargs, "pad_token_id")
    pad = _ids(getattr(tokenizer, "pad_token_id", None)) | _ids(pad_id)
    eos = _ids(_setting(model, kwargs, "eos_token_id")[0]) | _ids(getattr(tokenizer, "eos_token_id", None))
    if ids is None:
        findings.append(_cannot("the prompt", "no input_ids tensor in the call (inputs_embeds?): padding, template and BOS checks skipped."))
        batch, prompt_length = 1, 0
    else:
        batch, prompt_length = ids.shape
    if ids is not None and batch > 1:
        right, padded = _padding(ids, mask, pad)
        if right:
            findings.append(pitfall(
                "right padding", "a decoder-only model continues from the last position, which is padding in the short rows, so their outputs change.",
                "tokenizer.padding_side = 'left' before tokenizing the batch.", "notebook 08, 'Wrong: padding on the right'"))
        if getattr(tokenizer, "pad_token", "") is None:
            findings.append(pitfall(
                "no pad token", "the tokenizer has no pad token, so a batch cannot be padded (and generate warns on every call).",
                "tokenizer.pad_token = tokenizer.eos_token (or a dedicated token) before padding.", "notebook 08, 'A model without a pad token'"))
        if padded and not mask_passed and pad & eos:
            findings.append(pitfall(
                "no attention mask", "the pad token is also EOS, so generate cannot tell padding from text and attends to the padding.",
                "pass the tokenizer's attention_mask: model.generate(**inputs, ...).", "notebook 08, 'Wrong: no attention mask'"))
        dtype = getattr(model, "dtype", torch.float32)
        quantized = getattr(model, "is_loaded_in_4bit", False) or getattr(model, "is_loaded_in_8bit", False)
        if padded and (dtype in (torch.float16, torch.bfloat16) or quantized):
            precision = message("4/8-bit weights") if quantized else str(dtype).removeprefix("torch.")
            findings.append(pitfall(
                "low-precision batch", "in {precision}, a padded row's arithmetic differs from the same prompt alone, so a close greedy choice can flip.",
                "compare against float32, or generate the prompts one at a time, when rows must equal unbatched runs.", "notebook 08, 'Batched and single outputs in low precision'",
                NOTE, precision=precision))  # batching in 16 bits is normal: it only matters where rows must equal unbatched runs
    max_new, new_set = _setting(model, kwargs, "max_new_tokens")
    max_length, length_set = _setting(model, kwargs, "max_length")
    if max_new is None and max_length is None:
        findings.append(pitfall(
            "no length limit", "with no max_new_tokens or max_length in the call or the model's generation config, generate stops after 20 new tokens, often mid-sentence.",
            "pass max_new_tokens=N.", "notebook 06, 'The default limit: 20 new tokens'"))
    elif max_new is None and length_set and max_length - prompt_length < USEFUL_ANSWER:
        room = max_length - prompt_length
        findings.append(pitfall(
            "max_length counts the prompt", "max_length={max_length} includes the {length}-token prompt, leaving {room} new tokens.",
            "pass max_new_tokens={enough} instead of max_length.", "notebook 06, '`max_length` counts the prompt, `max_new_tokens` does not'",
            max_length=max_length, length=prompt_length, room=max(room, 0), enough=max(max_length, USEFUL_ANSWER)))
    findings += _strategy_findings(model, kwargs)
    do_sample, _ = _setting(model, kwargs, "do_sample")
    given = [name for name in SAMPLING_ONLY if name in kwargs and kwargs[name] is not None]
    if not do_sample and given:
        findings.append(pitfall(
            "sampling settings without sampling", "{settings} only act when sampling, and do_sample is off: the output is greedy.",
            "pass do_sample=True, or drop the sampling settings.", "notebook 04, 'How each setting reshapes the distribution'",
            settings=_commas(given)))
    stop_strings, _ = _setting(model, kwargs, "stop_strings")
    if stop_strings and kwargs.get("tokenizer") is None:
        findings.append(pitfall(
            "stop_strings without tokenizer", "generate needs the tokenizer to find stop strings in tokens, and raises without it.",
            "pass tokenizer=tokenizer to generate.", "notebook 06, 'Stopping at a string: `stop_strings` needs the tokenizer'"))
    if ids is not None:
        findings += _template_findings(tokenizer, ids, mask, pad)
    return findings + _validation_findings(model, kwargs, prompt_length, already={f.name for f in findings})


def _strategy_findings(model, kwargs: Mapping[str, Any]) -> list[Finding]:
    """Strategy pitfalls: a misspelt setting, a strategy that moved to the Hub, more outputs than the strategy gives."""
    findings = []
    known = set(GenerationConfig().to_dict()) | set(inspect.signature(model.generate).parameters)
    known |= set(inspect.signature(model.forward).parameters) | {"input_ids", "attention_mask", "tokenizer", "trust_remote_code"}
    if callable(kwargs.get("custom_generate")):  # a decoding function of one's own takes the arguments it names
        known |= set(inspect.signature(kwargs["custom_generate"]).parameters)
    for name in sorted(set(kwargs) - known):
        close = difflib.get_close_matches(name, sorted(known), n=1)
        findings.append(pitfall(
            "unknown setting", "{setting} is neither a generation setting nor an input of this model, so generate raises.",
            "write {close}=" if close else "drop it (GenerationConfig() lists the settings).", "notebook 05, 'Strategies that moved out of transformers'",
            setting=name, close=close[0] if close else None))
    defaults = GenerationConfig._get_default_generation_params()
    config = GenerationConfig(**{name: _setting(model, kwargs, name)[0] for name in STRATEGY})
    for name in ("num_beams", "do_sample", "top_k"):  # generate fills these from transformers' defaults before choosing
        if getattr(config, name) is None:
            setattr(config, name, defaults[name])
    mode = config.get_generation_mode()
    repo = GENERATION_MODES_MAPPING.get(mode, "")
    if "/" in repo and kwargs.get("custom_generate") is None:
        strategy = mode.name.replace("_", " ").lower()
        findings.append(pitfall(
            "strategy moved to the Hub", "these settings ask for {strategy}, which transformers 5 moved to {url}: "
            "generate raises, and with trust_remote_code=True it would download that code and run it.",
            "num_beams with num_return_sequences for several likely outputs, sampling for varied ones, or a custom_generate function of your own.",
            "notebook 05, 'Strategies that moved out of transformers'", strategy=STRATEGY_NAMES.get(strategy, strategy),
            url="https://hf.co/" + repo))
    outputs, _ = _setting(model, kwargs, "num_return_sequences")
    beams = config.num_beams > 1
    if outputs is not None and outputs > 1 and (outputs > config.num_beams if beams else not config.do_sample):
        findings.append(pitfall(
            "more outputs than beams", "num_return_sequences={outputs} asks for more sequences than {kept}, so generate raises.",
            "num_beams={outputs} (or more) for the {outputs} likeliest, or do_sample=True for {outputs} samples.",
            "notebook 05, 'Several outputs: `num_return_sequences`'", outputs=outputs,
            kept=message("the {beams} beams keep", beams=config.num_beams) if beams else message("greedy decoding's one")))
    given = [name for name in BEAM_ONLY if kwargs.get(name) is not None]
    if given and not beams:
        findings.append(pitfall(
            "beam settings without beams", "{settings} only act in beam search, and num_beams is 1: they change nothing.",
            "pass num_beams=4 (or more), or drop them.", "notebook 05, 'Length: `length_penalty` and `early_stopping`'",
            settings=_commas(given)))
    return findings


# The strategies transformers 5 moved to the Hub, by the name the doctor gives them (their mode's name, in words).
STRATEGY_NAMES = {"contrastive search": message("contrastive search"), "dola generation": message("dola generation"),
                  "group beam search": message("group beam search"),
                  "constrained beam search": message("constrained beam search")}
# Where the workbook teaches each setting transformers validates; a setting not listed points at CONFIG_LESSON.
TAUGHT_IN = {
    **dict.fromkeys(("max_new_tokens", "max_length"), message("notebook 06, '`max_length` counts the prompt, `max_new_tokens` does not'")),
    **dict.fromkeys(("min_length", "min_new_tokens"), message("notebook 06, 'Stopping early: EOS and `min_new_tokens`'")),
    **dict.fromkeys(("early_stopping", "length_penalty"), message("notebook 05, 'Length: `length_penalty` and `early_stopping`'")),
    **dict.fromkeys(("num_beams", "num_return_sequences"), message("notebook 05, 'Several outputs: `num_return_sequences`'")),
    **dict.fromkeys(("output_scores", "output_logits", "output_attentions", "output_hidden_states",
                     "return_dict_in_generate"), message("notebook 07, 'A result object instead of a tensor'")),
    **dict.fromkeys(("repetition_penalty", "no_repeat_ngram_size"), message("notebook 04, 'Experiment: repetition against diversity'")),
    **dict.fromkeys(SAMPLING_ONLY, message("notebook 04, 'How each setting reshapes the distribution'")),
}
CONFIG_LESSON = message("notebook 04, 'The generation config: defaults, and saving your own'")
MINOR_ISSUE = re.compile(r"^- `(\w+)`: (.*)$", re.MULTILINE)


def _validation_findings(model, kwargs: Mapping[str, Any], prompt_length: int, already: set[str]) -> list[Finding]:
    """What transformers' own validation says of the call's settings, asked rather than re-implemented: the values
    GenerationConfig.validate and the logits processors reject (generate raises), the settings it reports as ignored,
    the length limits that contradict each other (generate warns), and a penalty below 1 that rewards what it names."""
    settings = {name: value for name, value in kwargs.items() if name in GenerationConfig().to_dict()}
    if not settings:
        return []
    named = _named_by(already)
    with _transformers_quiet():
        rejected = _rejection(model, settings, prompt_length)
        if rejected and rejected[0] in named:
            return []  # the finding that names it says more
        if rejected:
            setting, error = rejected
            return [pitfall("a value generate rejects", "{rejection}", "give {setting} a value the message allows, "
                            "or drop it.", TAUGHT_IN.get(setting, CONFIG_LESSON), rejection=_one_line(error), setting=setting)]
        config = copy.deepcopy(model.generation_config)
        config.update(**settings)
        findings = _ineffective(config, settings, named) + _length_findings(model, config, prompt_length)
    penalty = settings.get("repetition_penalty")
    if isinstance(penalty, int | float) and 0 < penalty < 1:
        findings.append(pitfall("a penalty that rewards", "repetition_penalty={penalty} is below 1, so it makes tokens "
                                "already in the text likelier: more repetition, not less.", "use a value above 1 (1.1 to "
                                "1.3 is common), or drop it.", TAUGHT_IN["repetition_penalty"], penalty=penalty))
    return findings


@contextlib.contextmanager
def _transformers_quiet() -> Iterator[None]:
    """transformers' logger silenced: what it would log, the doctor says as findings."""
    verbosity = transformers_logging.get_verbosity()
    transformers_logging.set_verbosity_error()
    try:
        yield
    finally:
        transformers_logging.set_verbosity(verbosity)


def _rejection(model, settings: Mapping[str, Any], prompt_length: int) -> tuple[str, Exception] | None:
    """The setting generate would reject and transformers' error, asked of GenerationConfig and of the logits processors
    generate builds from it; the setting that alone raises, where one does."""
    def error_of(chosen: Mapping[str, Any]) -> Exception | None:
        try:
            config = copy.deepcopy(model.generation_config)
            config.update(**chosen)  # validates the values
            model._get_logits_processor(config, input_ids_seq_length=prompt_length, device="cpu")  # each checks its own
        except (ValueError, TypeError) as error:
            return error
        return None

    error = error_of(settings)
    if error is None:
        return None
    alone = next((name for name in settings if error_of({name: settings[name]}) is not None), None)
    named = re.search(r"`(\w+)`", str(error))
    return alone or (named.group(1) if named else next(iter(settings))), error


def _named_by(findings: set[str]) -> set[str]:
    """The settings that the doctor's own findings, by name, already speak of."""
    covered = {"sampling settings without sampling": {*SAMPLING_ONLY, "top_h"}, "beam settings without beams": set(BEAM_ONLY),
               "more outputs than beams": {"num_return_sequences"}, "max_length counts the prompt": {"max_length"},
               "no length limit": {"max_length"}, "strategy moved to the Hub": set(STRATEGY)}
    return set().union(*(names for finding, names in covered.items() if finding in findings))


def _ineffective(config: GenerationConfig, settings: Mapping[str, Any], skip: set[str]) -> list[Finding]:
    """The settings GenerationConfig.validate reports as ignored because of another setting (its "minor issues"), but
    those in `skip`, which the doctor's own findings already name."""
    try:
        config.validate(strict=True, user_set_attributes=set(settings))
    except ValueError as error:  # only the minor issues are left: the values themselves passed
        return [pitfall("a setting that does nothing", "{issue}", "drop {setting}, or set what it depends on.",
                        TAUGHT_IN.get(setting, CONFIG_LESSON), issue=_one_line(issue), setting=setting)
                for setting, issue in MINOR_ISSUE.findall(str(error)) if setting not in skip]
    return []


def _length_findings(model, config: GenerationConfig, prompt_length: int) -> list[Finding]:
    """The length limits that contradict each other, as generate's own length check warns of them."""
    config = copy.deepcopy(config)
    if config.max_new_tokens is not None:
        config.max_length = config.max_new_tokens + prompt_length  # as generate computes it
    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        with contextlib.suppress(ValueError):  # a prompt longer than max_length: the "max_length counts the prompt" finding
            model._validate_generated_length(config, prompt_length, has_default_max_length=False)
    return [pitfall("lengths that contradict each other", "{warning}",
                    "make min_new_tokens (or min_length) at most max_new_tokens (or max_length).", TAUGHT_IN["min_new_tokens"],
                    warning=_one_line(warning.message).split(" Generation will")[0])
            for warning in warned if "Unfeasible length constraints" in str(warning.message)]


def _one_line(message: object) -> str:
    """A library message on one line, with its code quotes removed, ending as a sentence."""
    text = one_line(str(message).replace("`", ""))
    return text if text.endswith((".", "!", "?")) else text + "."


def _template_findings(tokenizer, ids: torch.Tensor, mask: torch.Tensor | None, pad: set[int]) -> list[Finding]:
    """Chat-template pitfalls read from the prompt's tokens: raw prompt, double BOS, a forged system turn."""
    if not getattr(tokenizer, "chat_template", None):
        return []
    try:
        markers = _template_markers(tokenizer)
        system = _system_header(tokenizer)
    except Exception as error:  # noqa: BLE001 - a template that needs other arguments
        return [_cannot("the chat template", "rendering a probe message failed ({error}).", error=type(error).__name__)]
    rows = [row if mask is None else row[m.bool()] for row, m in zip(ids, mask if mask is not None else ids)]
    rows = [row[row >= 0] for row in rows]  # a negative id is no token: the tokenizer cannot decode it
    findings = []
    unpadded = pad if mask is None else set()  # without a mask, padding may look like a marker (pad = EOS)
    if markers and not any((set(row.tolist()) - unpadded) & markers for row in rows):
        findings.append(pitfall(
            "raw prompt to an instruct model",
            "the tokenizer has a chat template, but the prompt has none of its markers: the model continues a document instead of answering (right for text completion).",
            "tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_dict=True, return_tensors='pt').", "notebook 09, 'Raw prompt against the template'",
            NOTE))  # a note, not an error: text completion is sometimes what the learner means
    bos = getattr(tokenizer, "bos_token_id", None)
    if bos is not None and any(len(row) > 1 and row[0] == bos and row[1] == bos for row in rows):
        findings.append(pitfall(
            "double BOS", "the prompt starts with two BOS tokens: a template rendered with tokenize=False was tokenized again with special tokens.",
            "tokenizer(text, add_special_tokens=False), or apply_chat_template(..., return_dict=True) directly.", "notebook 09, 'Pitfall: the double BOS token'"))
    if system is not None and any(_forged_system_turn(tokenizer.decode(row, skip_special_tokens=False), *system) for row in rows):
        findings.append(pitfall(
            "special tokens in user content", "a system turn appears after the conversation started: role markers typed into a message became real special tokens.",
            "strip the special-token strings from user content before applying the template (helpers.generation.strip_special_tokens).",
            "notebook 09, 'Pitfall: special tokens injected through user text'"))
    return findings


def _forged_system_turn(text: str, header: str, bos: str) -> bool:
    """Whether a system turn's marker appears anywhere but at the start of the rendered prompt (a system turn is only ever first)."""
    while bos and text.startswith(bos):
        text = text[len(bos):]
    return header in text[1:]


def _sampling_generator(model) -> torch.Generator:
    """The default random generator that sampling on the model's device draws from (the CPU's where torch names none)."""
    device = torch.device(getattr(model, "device", "cpu"))
    try:
        if device.type == "mps":
            return torch.mps._get_default_mps_generator()
        if device.type != "cpu":
            module = torch.get_device_module(device.type)
            return module.default_generators[module.current_device() if device.index is None else device.index]
    except (AttributeError, IndexError, RuntimeError):  # a device type whose default generators torch does not expose
        pass
    return torch.default_generator


def _seed_state(generator: torch.Generator) -> tuple[int, torch.Tensor]:
    """A generator's seed (the last one set) and its state now."""
    return generator.initial_seed(), generator.get_state()


def _reseeded(generator: torch.Generator, then: tuple[int, torch.Tensor]) -> bool:
    """Whether a seed was set on the generator since `then` (its _seed_state): another seed, or the seed's fresh state
    anew (torch.manual_seed and transformers.set_seed reset the state; only a seed does, drawing moves it on)."""
    seed, state = _seed_state(generator)
    if seed != then[0]:
        return True
    fresh = torch.Generator(generator.device).manual_seed(seed).get_state()
    return torch.equal(state, fresh) and not torch.equal(state, then[1])


@contextlib.contextmanager
def watch(model, tokenizer, reproducible: bool = False, language: str = "en") -> Iterator[list[Finding]]:
    """Check every model.generate call in the block, print each new finding once in `language` (a note as "doctor: note: …"), and collect them in the yielded list."""
    check_language(language)
    found: list[Finding] = []
    original_generate = model.generate
    # With reproducible=True, a sampling call needs a seed set since the block began or since the previous sampling
    # call: read from the sampling generator's seed and state then (no torch function is replaced, in any thread).
    last_sample = [_seed_state(_sampling_generator(model))] if reproducible else []

    def report(finding: Finding) -> None:
        if finding not in found:
            found.append(finding)
            print(displayed(language, say(language, "doctor: {finding}", finding=finding.say())))

    @functools.wraps(original_generate)
    def generate(*args, **kwargs):
        findings = _checked(model, tokenizer, args[0] if args else None, kwargs, language)
        sampling = reproducible and _setting(model, kwargs, "do_sample")[0]
        if sampling and not _reseeded(_sampling_generator(model), last_sample[0]):
            findings.append(replace(pitfall(
                "sampling without a seed", "do_sample=True draws from torch's random generator; without a seed each run gives other text.",
                "call transformers.set_seed(123) right before generate.", "notebook 04, 'Sampling, made reproducible'"), language=language))
        for finding in findings:
            report(finding)
        try:
            return original_generate(*args, **kwargs)
        finally:
            if sampling:
                last_sample[0] = _seed_state(_sampling_generator(model))

    with generate_replaced(model, generate):
        yield found
