"""GTP version 2 framing: command preprocessing, parsing and response formatting.

The Go Text Protocol (GTP 2 draft, Farnebäck, https://www.lysator.liu.se/~gunnar/gtp/)
is line based. Section 3.1 of the spec asks the engine to preprocess each
incoming line before parsing it:

1. remove every control character except HT (tab) and LF (so a stray CR is dropped:
   lines end at LF only, section 2.6, and `read_lines` splits on nothing else),
2. turn each HT into a space,
3. discard everything after a ``#`` (a comment),
4. ignore lines that are then empty or only whitespace.

A command is ``[id] command_name [arguments]`` where the optional ``id`` is an
unsigned integer echoed in the reply. A reply is ``=id result`` (success) or
``?id message`` (failure), ended by two newlines; a multi-line result must not
contain an empty line, because the empty line ends the reply.

Everything here is pure string handling, so the fuzz tests can drive it fast.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from distill.errors import DistillError

#: Colour names GTP accepts (case-insensitive), mapped to the player index (0 = black).
COLOURS: dict[str, int] = {"b": 0, "black": 0, "w": 1, "white": 1}

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_BLANK_LINES = re.compile(r"\n\s*\n+")


class GtpError(DistillError):
    """A command the engine refuses; its message becomes the text of a ``?`` reply."""


@dataclass(frozen=True)
class Command:
    """One parsed GTP command.

    Attributes:
        id: the numeric id as the client sent it (digits only), or "" when absent.
        name: the command name, lower-cased (GTP names are lower case; we accept any case).
        args: the remaining whitespace-separated arguments, as sent.
    """

    id: str
    name: str
    args: tuple[str, ...]


def read_lines(chunks: Iterable[bytes]) -> Iterator[str]:
    """The lines of a binary input, split at LF only and decoded as UTF-8.

    `chunks` are any pieces of the input (lines, or blocks from `read_chunks`). Python's
    text streams also end a line at a bare CR (universal newlines), which would turn
    ``boardsize\\r 9`` into two commands and put every later reply one step out of line
    with its command. GTP ends lines at LF; a CR is a control character that `preprocess`
    removes. Undecodable bytes become U+FFFD; a last line without LF is kept.
    """
    pending = b""
    for chunk in chunks:
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            yield (line + b"\n").decode("utf-8", errors="replace")
    if pending:
        yield pending.decode("utf-8", errors="replace")


def read_chunks(fd: int, size: int = 65536) -> Iterator[bytes]:
    """Blocks of a file descriptor until end of input, read with `os.read`.

    Unbuffered on purpose: the GTP reader runs on a daemon thread, and a daemon thread
    blocked inside a buffered ``sys.stdin.buffer`` read holds that object's lock, which
    makes the interpreter abort at exit (after ``quit``) instead of exiting cleanly.
    """
    while chunk := os.read(fd, size):
        yield chunk


def preprocess(line: str) -> str:
    """Apply the GTP 2 section 3.1 preprocessing to one line (without its newline)."""
    line = _CONTROL.sub("", line).replace("\t", " ")
    return line.split("#", 1)[0].strip()


def parse_command(line: str) -> Command | None:
    """Parse one raw input line; None when, after preprocessing, there is nothing to do.

    A leading all-digit token is the id. A line made only of an id (``"12"``) parses
    to a command with an empty name, which the engine answers with an error reply.
    """
    tokens = preprocess(line).split()
    if not tokens:
        return None
    command_id = ""
    if tokens[0].isdigit() and tokens[0].isascii():
        command_id, tokens = tokens[0], tokens[1:]
    if not tokens:
        return Command(command_id, "", ())
    return Command(command_id, tokens[0].lower(), tuple(tokens[1:]))


def format_reply(command_id: str, text: str, *, ok: bool) -> str:
    """The full reply text: ``=id text\\n\\n`` or ``?id text\\n\\n``.

    Empty lines inside `text` are removed (they would end the reply early) and
    trailing whitespace is stripped; a result may start with a newline (``showboard``).
    """
    body = _BLANK_LINES.sub("\n", text.replace("\r", "")).rstrip()
    prefix = ("=" if ok else "?") + command_id
    return f"{prefix} {body}\n\n" if body else f"{prefix}\n\n"


def parse_colour(text: str) -> int:
    """Player index (0 black, 1 white) of a GTP colour ``b``/``w``/``black``/``white``."""
    try:
        return COLOURS[text.lower()]
    except KeyError:
        raise GtpError(f"invalid color {text!r}") from None


def colour_name(player: int) -> str:
    """The GTP colour word of a player index (0 -> ``black``)."""
    return "black" if player == 0 else "white"


def parse_int(text: str, what: str) -> int:
    """An integer argument, or GtpError naming `what`."""
    try:
        return int(text)
    except ValueError:
        raise GtpError(f"{what} must be an integer, got {text!r}") from None


def parse_float(text: str, what: str) -> float:
    """A finite float argument, or GtpError naming `what` (``nan``/``inf`` are refused)."""
    try:
        value = float(text)
    except ValueError:
        raise GtpError(f"{what} must be a number, got {text!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise GtpError(f"{what} must be finite, got {text!r}")
    return value


def expect_args(command: Command, low: int, high: int | None = None) -> None:
    """Raise GtpError unless the command has between `low` and `high` arguments."""
    high = low if high is None else high
    count = len(command.args)
    if not low <= count <= high:
        wanted = str(low) if low == high else f"{low} to {high}"
        raise GtpError(f"{command.name} takes {wanted} argument(s), got {count}")
