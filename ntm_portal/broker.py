"""The embedded broker: kombu's filesystem transport, with messages published whole.

kombu creates a message's file under its final name and then writes it. A consumer polling the folder in between
moves the empty file away, fails to decode it and the message is lost (celery/kombu#1551): under load, a report
build or an import that never starts. Here a message is written under a name no queue matches and renamed into
place, and a rename within a folder is atomic: a consumer sees no file or the whole message.
"""

import os
import uuid
from contextlib import suppress
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        # kombu's own name, so that its consumers (the same module) order and match the file as usual.
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        # No queue's suffix: kombu matches what follows the first dot against "<queue>.msg".
        partial = os.path.join(self.data_folder_out, f".{uuid.uuid4().hex}.partial")
        try:
            with open(partial, "wb") as file:
                file.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as error:
            with suppress(OSError):
                os.remove(partial)
            raise ChannelError(f"Cannot add file {final!r} to directory") from error


class Transport(filesystem.Transport):
    Channel = Channel
