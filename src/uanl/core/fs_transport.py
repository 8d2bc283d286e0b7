"""kombu's filesystem transport, made safe for concurrent producers and consumers.

The stock transport creates the message file and then writes it, while the consumer takes
any file it sees: a consumer that lists the folder between those two steps reads an empty
file and the message is lost (seen with 20 API threads queueing tasks at once). Here a
message is written under a name the consumer ignores and renamed into place when complete
(rename is atomic within one filesystem), and a consumer claims a message by renaming it
into a processing folder next to the queue, so two consumers never both take one. The
exchange table (the control file every send reads to route) is created whole by a hard
link, not opened-then-written, so a send racing a first declare never reads it empty; and
a binding this process declared but the file lacks (declared by another thread a moment
ago, or under another data folder) is written back, never silently routed nowhere.

Registered as the kombu transport alias ``uanlfs`` by `uanl.worker`.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from queue import Empty
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads

PART_SUFFIX = ".part"


class Channel(filesystem.Channel):
    def _queue_bind(self, exchange: str, routing_key: str, pattern: str, queue: str) -> None:
        file = self._exchange_file(exchange)
        if not file.exists():
            self.control_folder.mkdir(exist_ok=True)
            entry = [list(filesystem.exchange_queue_t(routing_key or "", pattern or "", queue))]
            tmp = file.with_name(f"{file.name}.{uuid.uuid4()}{PART_SUFFIX}")
            tmp.write_bytes(str_to_bytes(dumps(entry)))
            try:
                os.link(tmp, file)  # fails if another process created it first
                return
            except FileExistsError:
                pass
            finally:
                tmp.unlink(missing_ok=True)
        super()._queue_bind(exchange, routing_key, pattern, queue)  # locked read-modify-write

    def get_table(self, exchange: str) -> list[Any]:
        on_disk = super().get_table(exchange)
        declared = self.state.exchanges.get(exchange, {}).get("table") or []
        missing = []
        for meta in declared:
            key, pattern, queue = meta
            entry = filesystem.exchange_queue_t(key or "", pattern or "", queue or "")
            if entry not in on_disk and entry not in missing:
                missing.append(entry)
        for entry in missing:
            self._queue_bind(exchange, *entry)
        return [*on_disk, *missing]

    def _put(self, queue: str, payload: Any, **kwargs: Any) -> None:  # type: ignore[override]
        name = f"{int(round(monotonic() * 1000)):015d}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = final + PART_SUFFIX
        try:
            with open(partial, "wb") as f:
                f.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc

    def _claim_folder(self) -> Path:
        folder = Path(self.data_folder_in).parent / (Path(self.data_folder_in).name + "-claimed")
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def _get(self, queue: str, timeout: Any = None) -> Any:
        wanted = f"{queue}.msg"
        claimed = self._claim_folder()
        for name in sorted(os.listdir(self.data_folder_in)):
            if name.partition(".")[2] != wanted:  # other queues and unfinished writes
                continue
            target = claimed / f"{os.getpid()}-{name}"
            try:
                os.rename(os.path.join(self.data_folder_in, name), target)
            except OSError:  # another consumer took it first
                continue
            try:
                payload = target.read_bytes()
            except OSError as exc:
                raise ChannelError(f"Cannot read file {str(target)!r} from queue.") from exc
            target.unlink(missing_ok=True)
            return loads(bytes_to_str(payload))
        raise Empty()


class Transport(filesystem.Transport):
    Channel = Channel
    driver_type = "filesystem"
    driver_name = "uanlfs"
