"""A minimal client for Go Text Protocol engines (GNU Go, KataGo, Leela Zero, ...).

GTP 2 draft (Farnebäck, 2002), section 2: a command is one line; the reply is
``= result`` (success) or ``? message`` (failure), possibly over several lines,
ended by an empty line. This client numbers nothing, sends one command at a time
and waits for its reply with a timeout, read by a background thread so a hung
engine cannot block the caller forever.

    with GtpClient(["/usr/games/gnugo", "--mode", "gtp"]) as engine:
        engine.send("boardsize 9")
        engine.send("play B D4")
        print(engine.send("genmove W"))
"""

from __future__ import annotations

import contextlib
import queue
import subprocess
import threading
from collections.abc import Sequence
from types import TracebackType

from distill.errors import DistillError

#: Where Debian's gnugo package installs the binary (it is not on PATH).
GNUGO = "/usr/games/gnugo"


class GtpError(DistillError):
    """The engine answered ``?``, died, or did not answer in time (the message says which)."""


class GtpClient:
    """One GTP engine subprocess. `send` returns the reply text of a ``=`` answer."""

    def __init__(self, argv: Sequence[str], *, timeout: float = 30.0) -> None:
        """Start the engine `argv`; `timeout` seconds is the default wait per command."""
        self.argv = list(argv)
        self.timeout = timeout
        try:
            self._proc = subprocess.Popen(
                self.argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                bufsize=1,
            )
        except OSError as exc:
            raise GtpError(f"cannot start GTP engine {self.argv[0]!r}: {exc}") from exc
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._stale = 0
        self._eof = False  # replies still owed to commands that timed out (skipped when they come)
        self._reader = threading.Thread(target=self._read_lines, daemon=True)
        self._reader.start()

    def _read_lines(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            self._lines.put(line)
        self._lines.put(None)  # end of stream

    def send(self, command: str, *, timeout: float | None = None) -> str:
        """Send one command; return the reply text after ``=`` (stripped).

        Raises GtpError on a ``?`` reply (with the engine's message), on a dead
        engine, or when no complete reply arrives within `timeout` seconds (the late
        reply, if it ever comes, is skipped by the next command).
        """
        if "\n" in command.strip():
            raise GtpError(f"GTP command must be one line, got {command!r}")
        if self._eof or self._proc.poll() is not None or self._proc.stdin is None:
            raise GtpError(f"GTP engine {self.argv[0]!r} has exited; cannot send {command!r}")
        try:
            self._proc.stdin.write(command.strip() + "\n")
            self._proc.stdin.flush()
        except BrokenPipeError:
            raise GtpError(f"GTP engine {self.argv[0]!r} closed its input at {command!r}") from None
        wait = self.timeout if timeout is None else timeout
        while self._stale:  # a late reply to a timed-out command comes first: drop it
            self._read_reply(command, wait)
            self._stale -= 1
        ok, text = self._read_reply(command, wait)
        if not ok:
            raise GtpError(f"GTP engine {self.argv[0]!r} rejected {command!r}: {text}")
        return text

    def _read_reply(self, command: str, timeout: float) -> tuple[bool, str]:
        lines: list[str] = []
        while True:
            try:
                line = self._lines.get(timeout=timeout)
            except queue.Empty:
                self._stale += 1
                raise GtpError(f"GTP engine gave no reply to {command!r} in {timeout} s") from None
            if line is None:
                self._eof = True
                raise GtpError(f"GTP engine {self.argv[0]!r} exited while answering {command!r}")
            line = line.rstrip("\r\n")
            if not lines and not line.strip():
                continue  # stray blank lines between replies
            if not line.strip():
                break
            lines.append(line)
        first = lines[0]
        if first[:1] not in "=?":
            raise GtpError(
                f"GTP engine sent {first!r} in reply to {command!r}, expected '=' or '?'"
            )
        body = "\n".join([first[1:].strip(), *lines[1:]]).strip()
        return first[0] == "=", body

    def close(self, *, timeout: float = 5.0) -> None:
        """Send ``quit`` and wait; kill the engine if it does not exit within `timeout` s."""
        if self._proc.poll() is None:
            with contextlib.suppress(GtpError):  # a dying engine need not answer
                self.send("quit", timeout=timeout)
            try:
                self._proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        for stream in (self._proc.stdin, self._proc.stdout):
            if stream is not None:
                stream.close()

    def __enter__(self) -> GtpClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def gnugo_argv(size: int, komi: float, *, level: int = 0) -> list[str]:
    """Command line of GNU Go under the rules closest to distill's (area scoring, superko)."""
    return [
        GNUGO,
        "--mode",
        "gtp",
        "--chinese-rules",
        "--positional-superko",
        "--level",
        str(level),
        "--boardsize",
        str(size),
        "--komi",
        str(komi),
    ]
