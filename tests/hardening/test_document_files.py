"""The file an agent (over MCP) or `counterpoint check` names is read by the server itself: an
attacker's repository makes it a FIFO, and a steered agent names a device. Reading either
must be refused at once, not block the server or read without end."""

import os
import threading
from pathlib import Path

from counterpoint.engine.documents import file_target
from counterpoint.model.request import RequestError


def refusal(path, root) -> str:
    """The refusal `file_target` gives, from a thread the test can abandon if it blocks."""
    found: list[BaseException] = []

    def read() -> None:
        try:
            file_target(path, lines="1-1", root=root)
        except BaseException as error:  # what it raised, to assert on below
            found.append(error)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(30)  # a guard against a hang, not a timing claim
    assert not reader.is_alive(), f"reading {path} blocked"
    assert len(found) == 1 and isinstance(found[0], RequestError), found
    return str(found[0])


def test_a_fifo_named_as_the_file_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "mod.py"
    os.mkfifo(fifo)
    assert "not a regular file" in refusal(fifo, tmp_path)


def test_a_device_named_as_the_file_is_refused_without_reading_it(tmp_path):
    assert "not a regular file" in refusal(Path("/dev/zero"), tmp_path)
