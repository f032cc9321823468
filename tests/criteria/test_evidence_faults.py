"""Evidence files under faults: a full or read-only disk, or a database error after the file was written, leave
neither a file (not even a part of one) nor a row, and the user reads why in the form, not a 500 page.

The faults are injected at the system calls ntm_portal.files makes (os.write, os.fsync, os.open), the way the disk
would raise them; the database error is raised by the service's last write."""

import errno
import os
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.urls import reverse

from criteria.choices import ChangeKind
from criteria.models import AssessmentChange, EvidenceFile
from criteria.services import assessment as workflow
from criteria.services.assessment import InvalidValue

pytestmark = pytest.mark.django_db

CONTENT = b"%PDF-1.4 " + bytes(range(256)) * 800  # 200 KB: more than the 64 KB a full disk left behind


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def pdf(name: str = "bien-ban.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, CONTENT, content_type="application/pdf")


def files_in(folder: Path) -> list[str]:
    """Every file under `folder`, hidden temporary ones included."""
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file())


def add(user, assessment_round, name: str = "bien-ban.pdf"):
    return workflow.evidence_add(user=user, assessment_round=assessment_round, file=pdf(name))


# --- the faults -----------------------------------------------------------------------------------------------------


def disk_full_while_writing(monkeypatch, media):
    """The disk fills up after 65,536 bytes, as in the attack run: those bytes are on disk, then ENOSPC."""
    real_write, room = os.write, [65536]

    def write(descriptor, data):
        if room[0] <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        written = real_write(descriptor, bytes(data[: room[0]]))
        room[0] -= written
        return written

    monkeypatch.setattr(os, "write", write)


def disk_full_when_flushing(monkeypatch, media):
    """Delayed allocation: every write is accepted, the flush to disk fails."""

    def fsync(descriptor):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", fsync)


def read_only_disk(monkeypatch, media):
    """Nothing can be created under the media folder."""
    real_open, real_mkdir = os.open, os.mkdir

    def refuse_under_media(real):
        def call(path, *args, **kwargs):
            if str(path).startswith(str(media)):
                raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
            return real(path, *args, **kwargs)

        return call

    monkeypatch.setattr(os, "open", refuse_under_media(real_open))
    monkeypatch.setattr(os, "mkdir", refuse_under_media(real_mkdir))


DISK_FAULTS = {
    "disk full while writing": (disk_full_while_writing, "máy chủ đã hết chỗ lưu trữ."),
    "disk full when flushing": (disk_full_when_flushing, "máy chủ đã hết chỗ lưu trữ."),
    "read-only disk": (read_only_disk, "máy chủ không cho ghi vào thư mục lưu trữ."),
}


def database_fails_on_create(monkeypatch):
    def create(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(EvidenceFile.objects, "create", create)


def database_fails_after_the_row(monkeypatch):
    """The row and the log entry are written; the version bump, the last write, fails."""

    def bump(assessment_round):
        raise OperationalError("could not extend file: No space left on device")

    monkeypatch.setattr(workflow, "bump", bump)


DATABASE_FAULTS = {"on the row": database_fails_on_create, "after the row": database_fails_after_the_row}


# --- the service ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fault", DISK_FAULTS, ids=list(DISK_FAULTS))
def test_a_disk_fault_leaves_no_file_and_no_row_and_says_why(media, round_a1, commune_official_a1, monkeypatch, fault):
    inject, reason = DISK_FAULTS[fault]
    version = round_a1.version
    inject(monkeypatch, media)

    with pytest.raises(InvalidValue) as refused:
        add(commune_official_a1, round_a1)
    monkeypatch.undo()

    assert refused.value.errors["file"] == (
        f"Không lưu được tệp “bien-ban.pdf”: {reason} Chưa có gì được lưu; hãy thử lại sau hoặc báo quản trị."
    )
    assert str(media) not in refused.value.errors["file"]
    assert not EvidenceFile.objects.exists()
    assert not media.exists() or files_in(media) == []
    round_a1.refresh_from_db()
    assert round_a1.version == version
    assert not AssessmentChange.objects.filter(kind=ChangeKind.EVIDENCE).exists()


@pytest.mark.parametrize("fault", DATABASE_FAULTS, ids=list(DATABASE_FAULTS))
def test_a_database_error_after_the_file_was_written_leaves_no_file(
    media, round_a1, commune_official_a1, monkeypatch, fault
):
    DATABASE_FAULTS[fault](monkeypatch)

    with pytest.raises(InvalidValue, match="cơ sở dữ liệu không ghi được"):
        add(commune_official_a1, round_a1)
    monkeypatch.undo()

    assert not EvidenceFile.objects.exists()
    assert files_in(media) == []
    assert not AssessmentChange.objects.filter(kind=ChangeKind.EVIDENCE).exists()


def test_a_refusal_under_the_lock_removes_the_file_written_before_it(media, round_a1, commune_official_a1):
    stale = type(round_a1).objects.get(pk=round_a1.pk)  # read while the round was still a draft
    type(round_a1).objects.filter(pk=round_a1.pk).update(status="submitted")

    with pytest.raises(workflow.IllegalTransition):
        add(commune_official_a1, stale)

    assert not EvidenceFile.objects.exists()
    assert files_in(media) == []


def test_a_stored_file_is_whole_under_its_name_with_no_temporary_file_left(media, round_a1, commune_official_a1):
    evidence = add(commune_official_a1, round_a1)

    assert files_in(media) == [evidence.file.name]
    assert (media / evidence.file.name).read_bytes() == CONTENT


def test_two_files_of_the_same_name_never_replace_each_other(media, round_a1, commune_official_a1):
    first = add(commune_official_a1, round_a1)
    round_a1.refresh_from_db()
    second = add(commune_official_a1, round_a1)

    assert first.file.name != second.file.name
    assert len(files_in(media)) == 2


def test_a_long_file_name_is_shortened_to_fit_its_column(media, round_a1, commune_official_a1):
    evidence = add(commune_official_a1, round_a1, name="bien-ban-" + "nghiem-thu-" * 15 + ".pdf")

    assert len(evidence.file.name) <= EvidenceFile._meta.get_field("file").max_length
    assert evidence.file.name.endswith(".pdf") and files_in(media) == [evidence.file.name]


# --- the page -------------------------------------------------------------------------------------------------------


def test_a_full_disk_shows_the_reason_in_the_evidence_form_not_a_500(
    client, media, round_a1, commune_official_a1, monkeypatch
):
    client.force_login(commune_official_a1)
    disk_full_while_writing(monkeypatch, media)

    response = client.post(
        reverse("criteria:evidence_add", args=[round_a1.pk]), {"file": pdf("anh-chup.pdf"), "description": ""}
    )
    monkeypatch.undo()

    assert response.status_code == 200
    assert "Không lưu được tệp “anh-chup.pdf”: máy chủ đã hết chỗ lưu trữ." in response.content.decode()
    assert not EvidenceFile.objects.exists()
    assert files_in(media) == []
