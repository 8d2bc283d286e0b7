"""The embedded broker loses nothing when many threads send while consumers take messages.

Producers are threads (as API request threads are); consumers are separate processes (as
Celery workers are), each with its own kombu connection to the same folder.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from kombu import Connection

import uanl.worker  # noqa: F401 - registers the "uanlfs" transport alias

PRODUCERS = 16
PER_PRODUCER = 100

CONSUMER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from kombu import Connection
    import uanl.worker  # registers "uanlfs"

    folder, out, done = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    opts = {"data_folder_in": str(folder), "data_folder_out": str(folder),
            "control_folder": str(folder.parent / "control"), "polling_interval": 0.01}
    deadline = time.monotonic() + 120
    with Connection("uanlfs://", transport_options=opts) as conn, out.open("w") as f:
        q = conn.SimpleQueue("race")
        idle_since = None
        while time.monotonic() < deadline:
            try:
                msg = q.get(block=True, timeout=0.1)
            except q.Empty:
                if done.exists():
                    idle_since = idle_since or time.monotonic()
                    if time.monotonic() - idle_since > 1.0:
                        break
                continue
            idle_since = None
            f.write(msg.payload + "\\n")
            f.flush()
            msg.ack()
    """
)


def _conn(folder: Path) -> Connection:
    return Connection(
        "uanlfs://",
        transport_options={
            "data_folder_in": str(folder),
            "data_folder_out": str(folder),
            "control_folder": str(folder.parent / "control"),
        },
    )


def test_concurrent_sends_and_two_consumer_processes_lose_and_duplicate_nothing(tmp_path):
    folder = tmp_path / "queue"
    folder.mkdir()
    (tmp_path / "control").mkdir()
    done = tmp_path / "done"
    script = tmp_path / "consumer.py"
    script.write_text(CONSUMER)
    outs = [tmp_path / f"got{i}.txt" for i in range(2)]
    consumers = [
        subprocess.Popen([sys.executable, str(script), str(folder), str(out), str(done)])
        for out in outs
    ]

    def produce(k: int) -> None:
        with _conn(folder) as conn:
            q = conn.SimpleQueue("race")
            for j in range(PER_PRODUCER):
                q.put(f"{k}-{j}")

    try:
        with ThreadPoolExecutor(PRODUCERS) as pool:
            list(pool.map(produce, range(PRODUCERS)))
        done.touch()
        for p in consumers:
            assert p.wait(timeout=150) == 0
    finally:
        for p in consumers:
            p.kill()
    received = [line for out in outs for line in out.read_text().splitlines()]
    expected = {f"{k}-{j}" for k in range(PRODUCERS) for j in range(PER_PRODUCER)}
    assert [p.name for p in folder.iterdir()] == []  # nothing left behind
    assert len(received) == len(expected)  # nothing delivered twice
    assert set(received) == expected  # nothing lost
    assert all(out.read_text() for out in outs)  # both consumers took part


def test_unfinished_writes_are_invisible_to_consumers(tmp_path):
    folder = tmp_path / "queue"
    folder.mkdir()
    (tmp_path / "control").mkdir()
    partial = folder / "000000000000001_x.race2.msg.part"  # a send in progress
    partial.write_bytes(b"")
    with _conn(folder) as conn:
        q = conn.SimpleQueue("race2")
        q.put("whole")
        got = q.get(block=True, timeout=2)
        assert got.payload == "whole"
        got.ack()
        try:
            q.get(block=True, timeout=0.3)
            raise AssertionError("a partial file was delivered")
        except q.Empty:
            pass
    assert partial.exists()
