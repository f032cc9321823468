"""The parts of an official document (Nghị định 30/2020/NĐ-CP) that belong to the issuing office, not to the data:
who issues the report, its number, where it is signed, who signs it and who receives it.

Every output of the report (PDF, .docx) takes them from `letterhead_for(unit)`, so they are written once per
province: the province's coordination office enters them (`ReportLetterhead`, page /reports/letterhead/), and a
district's report is issued under its province's. Until the office has entered its own, they are worded from the
unit's name.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from communes.models import AdministrativeUnit
from ntm_portal.choices import UnitLevel

from .models import ReportLetterhead

KIND_PREFIXES = ("Thành phố ", "Tỉnh ", "Huyện ", "Quận ", "Thị xã ")


@dataclass(frozen=True)
class Letterhead:
    governing_body: str  # the line above the issuer, in capitals: "UBND TỈNH THÁI NGUYÊN"
    issuer: str  # the issuing office, in capitals: "VĂN PHÒNG ĐIỀU PHỐI NÔNG THÔN MỚI"
    number_suffix: str  # after "Số: …": "/BC-VPĐP"
    place: str  # the place in the date line: "Thái Nguyên"
    signer_capacity: str  # "KT. CHÁNH VĂN PHÒNG" or "" when the head signs
    signer_title: str  # "CHÁNH VĂN PHÒNG"
    signer_name: str  # "" until the office enters it: a blank to sign above, never a made-up name
    recipients: list[str] = field(default_factory=list)  # "Nơi nhận", one line each, "Lưu: VT" last


def place_name(unit: AdministrativeUnit) -> str:
    """The unit's name without its kind: "Tỉnh Thái Nguyên" → "Thái Nguyên"."""
    for prefix in KIND_PREFIXES:
        if unit.name.startswith(prefix):
            return unit.name[len(prefix) :]
    return unit.name


def default_letterhead(unit: AdministrativeUnit) -> Letterhead:
    """The letterhead of a province's (or district's) coordination office, worded from the unit's name."""
    return Letterhead(
        governing_body=f"UBND {unit.name.upper()}",
        issuer="VĂN PHÒNG ĐIỀU PHỐI NÔNG THÔN MỚI",
        number_suffix="/BC-VPĐP",
        place=place_name(unit),
        signer_capacity="",
        signer_title="CHÁNH VĂN PHÒNG",
        signer_name="",
        recipients=[
            "Văn phòng Điều phối nông thôn mới Trung ương",
            f"Thường trực UBND {unit.name}",
            "Các thành viên Ban Chỉ đạo",
            "Lưu: VT",
        ],
    )


def letterhead_province(unit: AdministrativeUnit) -> AdministrativeUnit | None:
    """The province whose letterhead a report of `unit` uses: itself, or the province it lies in."""
    if unit.level == UnitLevel.PROVINCE:
        return unit
    return unit.province


def letterhead_for(unit: AdministrativeUnit) -> Letterhead:
    """The letterhead the report of `unit` is issued under: its province's as the office entered it, else worded
    from the unit's name."""
    province = letterhead_province(unit)
    row = ReportLetterhead.objects.filter(unit=province).first() if province is not None else None
    if row is None:
        return default_letterhead(unit)
    return Letterhead(
        governing_body=row.governing_body,
        issuer=row.issuer,
        number_suffix=row.number_suffix,
        place=row.place,
        signer_capacity=row.signer_capacity,
        signer_title=row.signer_title,
        signer_name=row.signer_name,
        recipients=row.recipient_lines,
    )
