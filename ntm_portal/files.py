"""Uploaded files written so that a failure leaves nothing behind.

Django's FileSystemStorage writes an upload straight under its final name: on a full disk the first 64 KB stay there,
truncated, with no row pointing to them (issue 17, finding 6). Here the file is written under a temporary name in
the same folder, flushed to disk, and only then moved onto its name with os.replace, which is atomic: the final name
holds the whole file or nothing. Whoever then fails to record the file's row calls `discard`.
"""

from __future__ import annotations

import contextlib
import errno
import os

from django.core.files.storage import Storage
from django.utils.translation import gettext as _

_CHUNK = 64 * 1024


def write_into_place(storage: Storage, name: str, content, *, max_length: int | None = None) -> str:
    """Write `content` (a Django File) to a free name derived from `name` in `storage` (a FileSystemStorage), at most
    `max_length` characters long (the FileField's), and return that name. On any error (OSError: ENOSPC, EROFS,
    EIO...) no file stays under either name, and the error is raised again."""
    name = storage.get_available_name(name, max_length=max_length)
    final = storage.path(name)
    folder = os.path.dirname(final)
    os.makedirs(folder, exist_ok=True)
    while True:
        # Reserve the name (O_EXCL) so that two uploads of the same name never replace each other's file.
        try:
            os.close(os.open(final, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            break
        except FileExistsError:
            name = storage.get_available_name(name, max_length=max_length)
            final = storage.path(name)
    temporary = os.path.join(folder, f".{os.path.basename(final)}.part")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            for chunk in content.chunks(_CHUNK):
                view = memoryview(chunk)
                while view:
                    view = view[os.write(descriptor, view) :]
            os.fsync(descriptor)  # a full disk may only say so here
        finally:
            os.close(descriptor)
        os.chmod(temporary, storage.file_permissions_mode or 0o644)
        os.replace(temporary, final)
    except BaseException:
        for path in (temporary, final):
            with contextlib.suppress(OSError):
                os.unlink(path)
        raise
    return name


def discard(storage: Storage, name: str) -> None:
    """Remove a file written by `write_into_place` whose row could not be recorded."""
    with contextlib.suppress(OSError):
        storage.delete(name)


def not_saved_reason(error: BaseException) -> str:
    """Why a file could not be kept, in the user's words: never the path or the driver's text (those go to the log)."""
    code = getattr(error, "errno", None)
    if code in (errno.ENOSPC, errno.EDQUOT):
        return _("máy chủ đã hết chỗ lưu trữ.")
    if code in (errno.EROFS, errno.EACCES, errno.EPERM):
        return _("máy chủ không cho ghi vào thư mục lưu trữ.")
    if isinstance(error, OSError):
        return _("máy chủ gặp lỗi khi ghi tệp.")
    return _("cơ sở dữ liệu không ghi được.")
