"""Writing Python source: string literals, f-strings over module constants, wrapped calls.

>>> literal("it's \\"x\\"")
'"it\\'s \\\\"x\\\\""'
>>> fstring((("lit", "at most "), ("const", "RETRIES"), ("lit", " {x}")))
'f"at most {RETRIES} {{x}}"'
>>> print(call('detik.verify', [("lit", "there are 2 pods named 'x'")], [], indent=4))
detik.verify("there are 2 pods named 'x'")
"""

from __future__ import annotations

import json
import keyword
import re
import textwrap
from collections.abc import Sequence

__all__ = ["Segment", "call", "comment", "docstring", "fstring", "identifier", "literal"]

WIDTH = 100
#: ("lit", text), ("const", name of a module constant) or ("param", name of a test parameter)
Segment = tuple[str, str]


def literal(text: str) -> str:
    """A double-quoted Python string literal."""
    return json.dumps(text, ensure_ascii=False)


def fstring(segments: Sequence[Segment]) -> str:
    """A literal when every segment is text, else an f-string naming the constants."""
    if all(kind == "lit" for kind, _ in segments):
        return literal("".join(text for _, text in segments))
    body = "".join(
        literal(text)[1:-1].replace("{", "{{").replace("}", "}}")
        if kind == "lit"
        else f"{{{text}}}"
        for kind, text in segments
    )
    return f'f"{body}"'


def _chunks(segments: Sequence[Segment], width: int) -> list[str]:
    """Split a sentence into string pieces of at most ``width`` characters, at spaces."""
    words: list[list[Segment]] = [[]]
    for kind, text in segments:
        if kind != "lit":
            words[-1].append((kind, text))
            continue
        pieces = re.split(r"(?<= )", text)
        for n, piece in enumerate(pieces):
            if not piece:
                continue
            if n and words[-1]:
                words.append([])
            words[-1].append((kind, piece))
    out: list[list[Segment]] = [[]]
    for word in words:
        if out[-1] and len(fstring([*out[-1], *word])) > width:
            out.append([])
        out[-1] += word
    return [fstring(chunk) for chunk in out if chunk]


def call(
    function: str, sentence: Sequence[Segment], keywords: Sequence[str], indent: int, tail: str = ""
) -> str:
    """``function("sentence", kw...)tail``, wrapped as ruff format would past the width."""
    args = [fstring(sentence), *keywords]
    one = f"{function}({', '.join(args)}){tail}"
    if indent + len(one) <= WIDTH:
        return one
    pieces = _chunks(sentence, WIDTH - indent - 4 - bool(keywords))
    lines = [f"{function}("]
    lines += ["    " + piece for piece in pieces]
    if keywords:
        lines[-1] += ","
        lines += [f"    {kw}," for kw in keywords]
    lines.append(f"){tail}")
    return "\n".join(lines)


def comment(text: str, indent: int, first: str = "# ", rest: str = "#     ") -> list[str]:
    """Comment lines wrapped to the width (long words are broken)."""
    width = WIDTH - indent
    return textwrap.wrap(
        text,
        width=width,
        initial_indent=first,
        subsequent_indent=rest,
        break_on_hyphens=False,
        drop_whitespace=True,
    ) or [first.rstrip()]


def docstring(text: str, indent: int) -> list[str]:
    """A docstring holding ``text`` (a test's title)."""
    safe = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    if safe.endswith('"'):
        safe = safe[:-1] + '\\"'
    one = f'"""{safe}"""'
    if indent + len(one) <= WIDTH:
        return [one]
    wrapped = textwrap.wrap(safe, width=WIDTH - indent - 3, break_on_hyphens=False)
    if len(wrapped) == 1:  # fits on no line with both quotes: split it in two
        wrapped = textwrap.wrap(safe, width=len(safe) // 2 + 10, break_on_hyphens=False)
    return ['"""' + wrapped[0], *wrapped[1:-1], wrapped[-1] + '"""']


def identifier(text: str, prefix: str = "") -> str:
    """A valid Python identifier made of ``text``: lower case, ``_`` between words."""
    slug = re.sub(r"[^0-9a-zA-Z]+", "_", text).strip("_").lower()
    slug = (prefix + slug) if prefix else slug
    if not slug or slug[0].isdigit():
        slug = "_" + slug
    if keyword.iskeyword(slug):
        slug += "_"
    return slug[:80].rstrip("_") or "_"
