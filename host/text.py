"""Untrusted text made safe to print on a terminal.

Titles and tags come from web pages and people, URLs from anywhere, error messages and
user names from the server. Printed raw, an ESC or BEL starts a terminal control sequence
(retitle the window, erase or hide lines, plant an OSC 8 link), a carriage return
overwrites the line, a bidi override reverses what follows. :func:`for_terminal` shows
every character that could do that as a visible escape in Python's notation (``\\x1b``,
``\\u202e``), so the reader sees that something was there; other text is left as is.

Escaped: control characters (C0, DEL, C1: category Cc, newlines and tabs included), format
characters (Cf: bidi embeddings, overrides, isolates and marks, zero-width spaces,
interlinear annotations, ...) except the zero-width joiner and non-joiner that emoji and
several scripts need, line and paragraph separators, and lone surrogates. A backslash is
not escaped: the result is for the eye, not a reversible encoding. ``--json`` output needs
none of this, as :func:`json.dumps` escapes every control character.
"""

from __future__ import annotations

_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
_JOINERS = frozenset("\u200c\u200d")


def _shown(char: str) -> str:
    import unicodedata  # the CLI only; the host never prints to a terminal

    if char in _JOINERS or unicodedata.category(char) not in _ESCAPED_CATEGORIES:
        return char
    point = ord(char)
    if point < 0x100:
        return f"\\x{point:02x}"
    return f"\\u{point:04x}" if point < 0x10000 else f"\\U{point:08x}"


def for_terminal(text: str) -> str:
    """``text`` on one line, with nothing a terminal would act on or hide."""
    if text.isprintable():  # no Cc, Cf, Zl, Zp or Cs in it: the usual case, in C
        return text
    return "".join(map(_shown, text))


def terminal_lines(text: str) -> str:
    """:func:`for_terminal` for each line of a report whose own line breaks are wanted."""
    return "\n".join(map(for_terminal, text.split("\n")))
