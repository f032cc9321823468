"""Writes for criteria sets.

`criteria_reference_load` upserts the national criteria sets shipped in `criteria/data/sets/` (one JSON file per
set). Only facts marked confirmed [C] or derived [D] in the research notes (ntm-criteria.md) are shipped; a target
that is not known has no number (threshold null) or no row at all, and is filled in by a data steward in the admin.

Deliberately left out of the data: the MARD income figures for 2013 and 2014 under QĐ 491/QĐ-TTg. Each is the
target of one year, while an IndicatorTarget holds one threshold per region for the whole period, so either year's
figure stored as the 2010–2015 target would be wrong for the other years (see the notes in ntm-2010-2015.json).
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn

from django.core.exceptions import ValidationError
from django.db import models, transaction

from communes.choices import CommuneGroup, Region

from .. import ledger
from ..choices import Comparison, SetLevel, TargetScheme
from ..models import CriteriaSet, Criterion, Indicator, IndicatorTarget
from .assessment import targets_changed

DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "sets"


class ReferenceDataError(Exception):
    """A reference data file is malformed; the message names the file and what is wrong in it."""


@dataclass
class LoadResult:
    sets_created: int = 0
    sets_updated: int = 0
    criteria_created: int = 0
    criteria_updated: int = 0
    indicators_created: int = 0
    indicators_updated: int = 0
    targets_created: int = 0
    targets_updated: int = 0


# --- Reading and checking the files -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _TargetSpec:
    region: str
    commune_group: int | None
    threshold: Decimal | None
    source_note: str


@dataclass(frozen=True)
class _IndicatorSpec:
    code: str
    name: str
    unit: str
    comparison: str
    position: int
    targets: list[_TargetSpec]


@dataclass(frozen=True)
class _CriterionSpec:
    number: int
    name: str
    group_code: str
    group_name: str
    indicators: list[_IndicatorSpec]


@dataclass(frozen=True)
class _SetSpec:
    file_name: str
    code: str
    name: str
    period_start: int
    period_end: int
    level: str
    target_scheme: str
    legal_basis: str
    issued_on: datetime.date | None
    source_note: str
    criteria: list[_CriterionSpec]


class _Object:
    """Typed access to one JSON object; every complaint names the file and the place in it."""

    def __init__(self, raw: Any, *, file_name: str, where: str, required: set[str], optional: set[str]) -> None:
        self.file_name = file_name
        self.where = where
        if not isinstance(raw, dict):
            self.fail("phải là một đối tượng JSON {…}")
        missing = sorted(required - raw.keys())
        if missing:
            self.fail(f"thiếu trường {', '.join(missing)}")
        unknown = sorted(raw.keys() - required - optional)
        if unknown:
            self.fail(f"trường không hợp lệ {', '.join(unknown)}")
        self.raw = raw

    def fail(self, problem: str) -> NoReturn:
        place = f"{self.where}: " if self.where else ""
        raise ReferenceDataError(f"{self.file_name}: {place}{problem}")

    def text(self, key: str, *, default: str | None = None, blank: bool = False) -> str:
        value = self.raw.get(key, default)
        if not isinstance(value, str) or (not blank and not value.strip()):
            self.fail(f"“{key}” phải là một chuỗi{'' if blank else ' không rỗng'}")
        return value

    def integer(self, key: str, *, default: int | None = None) -> int:
        value = self.raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(f"“{key}” phải là một số nguyên")
        return value

    def choice(self, key: str, choices: type[models.Choices], *, default: Any = None) -> Any:
        value = self.raw.get(key, default)
        if isinstance(value, bool) or value not in choices.values:
            allowed = ", ".join(repr(v) for v in choices.values)
            self.fail(f"“{key}” = {value!r} không hợp lệ (phải là một trong: {allowed})")
        return value

    def date(self, key: str) -> datetime.date | None:
        value = self.raw.get(key)
        if value is None:
            return None
        try:
            return datetime.date.fromisoformat(value)
        except (TypeError, ValueError):
            self.fail(f"“{key}” = {value!r} phải là ngày dạng YYYY-MM-DD")

    def number_or_none(self, key: str) -> Decimal | None:
        value = self.raw.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            self.fail(f"“{key}” = {value!r} phải là một số hoặc null (chưa biết)")
        return Decimal(value)

    def items(self, key: str) -> list[Any]:
        value = self.raw.get(key, [])
        if not isinstance(value, list):
            self.fail(f"“{key}” phải là một danh sách […]")
        return value


def _read_target(raw: Any, *, file_name: str, where: str, scheme: str, comparison: str) -> _TargetSpec:
    obj = _Object(
        raw,
        file_name=file_name,
        where=where,
        required={"threshold"},
        optional={"region", "commune_group", "source_note"},
    )
    region = obj.raw.get("region", "")
    if region != "":
        region = obj.choice("region", Region)
    commune_group = obj.raw.get("commune_group")
    if commune_group is not None:
        commune_group = obj.choice("commune_group", CommuneGroup)
    if scheme == TargetScheme.REGION and commune_group is not None:
        obj.fail("bộ tiêu chí phân chỉ tiêu theo vùng, không theo nhóm xã")
    if scheme == TargetScheme.COMMUNE_GROUP and region:
        obj.fail("bộ tiêu chí phân chỉ tiêu theo nhóm xã, không theo vùng")
    threshold = obj.number_or_none("threshold")
    if comparison == Comparison.YES_NO and threshold is not None:
        obj.fail("chỉ tiêu Đạt / không đạt không có mức bằng số (threshold phải là null)")
    return _TargetSpec(region, commune_group, threshold, obj.text("source_note", default="", blank=True))


def _read_indicator(raw: Any, *, file_name: str, where: str, scheme: str, position: int) -> _IndicatorSpec:
    obj = _Object(
        raw,
        file_name=file_name,
        where=where,
        required={"code", "name", "comparison"},
        optional={"unit", "position", "targets", "notes"},
    )
    code = obj.text("code")
    obj.where = where = f"{where} {code}"
    comparison = obj.choice("comparison", Comparison)
    targets = []
    for raw_target in obj.items("targets"):
        scope = (raw_target.get("region") or raw_target.get("commune_group")) if isinstance(raw_target, dict) else None
        target_where = f"{where} › mức {scope or 'chung'}"
        target = _read_target(raw_target, file_name=file_name, where=target_where, scheme=scheme, comparison=comparison)
        if any((t.region, t.commune_group) == (target.region, target.commune_group) for t in targets):
            obj.fail(f"mức {scope or 'chung'} ghi hai lần")
        targets.append(target)
    return _IndicatorSpec(
        code=code,
        name=obj.text("name"),
        unit=obj.text("unit", default="", blank=True),
        comparison=comparison,
        position=obj.integer("position", default=position),
        targets=targets,
    )


def _read_criterion(raw: Any, *, file_name: str, scheme: str, groups: dict[str, str]) -> _CriterionSpec:
    obj = _Object(
        raw, file_name=file_name, where="tiêu chí", required={"number", "name"}, optional={"group", "indicators"}
    )
    number = obj.integer("number")
    obj.where = where = f"tiêu chí {number}"
    group_code = obj.text("group", default="", blank=True)
    if group_code and group_code not in groups:
        obj.fail(f"nhóm {group_code!r} không có trong “groups”")
    indicators: list[_IndicatorSpec] = []
    for position, raw_indicator in enumerate(obj.items("indicators"), start=1):
        indicator = _read_indicator(
            raw_indicator, file_name=file_name, where=f"{where} › chỉ tiêu", scheme=scheme, position=position
        )
        if any(i.code == indicator.code for i in indicators):
            obj.fail(f"chỉ tiêu {indicator.code} ghi hai lần")
        indicators.append(indicator)
    return _CriterionSpec(number, obj.text("name"), group_code, groups.get(group_code, ""), indicators)


def _read_set(path: Path) -> _SetSpec:
    file_name = path.name
    try:
        # Decimal, not float: thresholds are stored exactly (DecimalField).
        raw = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ReferenceDataError(f"{file_name}: không đọc được JSON ({error})") from error
    obj = _Object(
        raw,
        file_name=file_name,
        where="",
        required={"code", "name", "period_start", "period_end", "legal_basis", "criteria"},
        optional={"level", "target_scheme", "issued_on", "source_note", "groups", "notes"},
    )
    groups = obj.raw.get("groups", {})
    if not isinstance(groups, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in groups.items()):
        obj.fail("“groups” phải là một đối tượng {mã nhóm: tên nhóm}")
    scheme = obj.choice("target_scheme", TargetScheme, default=TargetScheme.REGION)
    criteria: list[_CriterionSpec] = []
    for raw_criterion in obj.items("criteria"):
        criterion = _read_criterion(raw_criterion, file_name=file_name, scheme=scheme, groups=groups)
        if any(c.number == criterion.number for c in criteria):
            obj.fail(f"tiêu chí {criterion.number} ghi hai lần")
        criteria.append(criterion)
    if not criteria:
        obj.fail("“criteria” không được rỗng")
    return _SetSpec(
        file_name=file_name,
        code=obj.text("code"),
        name=obj.text("name"),
        period_start=obj.integer("period_start"),
        period_end=obj.integer("period_end"),
        level=obj.choice("level", SetLevel, default=SetLevel.BASIC),
        target_scheme=scheme,
        legal_basis=obj.text("legal_basis"),
        issued_on=obj.date("issued_on"),
        source_note=obj.text("source_note", default="", blank=True),
        criteria=criteria,
    )


def _read_all(data_dir: Path) -> list[_SetSpec]:
    paths = sorted(data_dir.glob("*.json"))
    if not paths:
        raise ReferenceDataError(f"{data_dir}: không có tệp dữ liệu *.json nào")
    specs: list[_SetSpec] = []
    for path in paths:
        spec = _read_set(path)
        clash = next((s for s in specs if s.code == spec.code), None)
        if clash:
            raise ReferenceDataError(f"{spec.file_name}: mã bộ tiêu chí {spec.code!r} đã có trong {clash.file_name}")
        specs.append(spec)
    return specs


# --- Writing ------------------------------------------------------------------------------------------------------


def _upsert(
    model: type[models.Model], *, file_name: str, lookup: dict[str, Any], values: dict[str, Any]
) -> tuple[models.Model, bool, bool]:
    """Create or update one row by its natural key; returns (row, created, updated). Unchanged rows are not saved."""
    instance = model.objects.filter(**lookup).first()
    created = instance is None
    if created:
        instance = model(**lookup, **values)
    else:
        changed = {name: value for name, value in values.items() if getattr(instance, name) != value}
        if not changed:
            return instance, False, False
        for name, value in changed.items():
            setattr(instance, name, value)
    try:
        instance.full_clean()
    except ValidationError as error:
        key = ", ".join(f"{name}={value!r}" for name, value in lookup.items() if not isinstance(value, models.Model))
        raise ReferenceDataError(
            f"{file_name}: {model._meta.verbose_name} ({key}) không hợp lệ: {'; '.join(error.messages)}"
        ) from error
    instance.save()
    return instance, created, not created


def _write_target(indicator: Indicator, spec: _TargetSpec, *, file_name: str, result: LoadResult) -> None:
    lookup = {"indicator": indicator, "region": spec.region, "commune_group": spec.commune_group}
    if spec.threshold is None:
        existing = IndicatorTarget.objects.filter(**lookup).first()
        if existing is not None and existing.threshold is not None:
            # The file does not know this number but a data steward entered it in the admin: the row is theirs
            # (threshold and the source note explaining it), a reload must not blank it.
            return
    _, created, updated = _upsert(
        IndicatorTarget,
        file_name=file_name,
        lookup=lookup,
        values={"threshold": spec.threshold, "source_note": spec.source_note},
    )
    result.targets_created += created
    result.targets_updated += updated


def _write_set(spec: _SetSpec, *, result: LoadResult) -> None:
    file_name = spec.file_name
    criteria_set, created, updated = _upsert(
        CriteriaSet,
        file_name=file_name,
        lookup={"code": spec.code},
        values={
            "name": spec.name,
            "period_start": spec.period_start,
            "period_end": spec.period_end,
            "level": spec.level,
            "target_scheme": spec.target_scheme,
            "legal_basis": spec.legal_basis,
            "issued_on": spec.issued_on,
            "source_note": spec.source_note,
        },
    )
    result.sets_created += created
    result.sets_updated += updated
    for criterion_spec in spec.criteria:
        criterion, created, updated = _upsert(
            Criterion,
            file_name=file_name,
            lookup={"criteria_set": criteria_set, "number": criterion_spec.number},
            values={
                "name": criterion_spec.name,
                "group_code": criterion_spec.group_code,
                "group_name": criterion_spec.group_name,
            },
        )
        result.criteria_created += created
        result.criteria_updated += updated
        for indicator_spec in criterion_spec.indicators:
            indicator, created, updated = _upsert(
                Indicator,
                file_name=file_name,
                lookup={"criterion": criterion, "code": indicator_spec.code},
                values={
                    "name": indicator_spec.name,
                    "unit": indicator_spec.unit,
                    "comparison": indicator_spec.comparison,
                    "position": indicator_spec.position,
                },
            )
            result.indicators_created += created
            result.indicators_updated += updated
            for target_spec in indicator_spec.targets:
                _write_target(indicator, target_spec, file_name=file_name, result=result)


@transaction.atomic
def criteria_reference_load(*, data_dir: Path | None = None) -> LoadResult:
    """Upsert every criteria set in `data_dir` (default: criteria/data/sets/) by its natural keys.

    CriteriaSet by code, Criterion by (set, number), Indicator by (criterion, code), IndicatorTarget by
    (indicator, region) or (indicator, commune_group). The files are the official record: a value they state
    replaces the one in the database. Rows the files do not mention are left alone (never deleted), and a target
    threshold the file leaves null keeps whatever a steward entered. All files are checked before anything is
    written, and one transaction covers the writes: a bad file raises ReferenceDataError and nothing is saved.
    """
    specs = _read_all(data_dir or DEFAULT_DATA_DIR)
    result = LoadResult()
    for spec in specs:
        _write_set(spec, result=result)
    if result.sets_created or result.criteria_created:
        # Communes stand against every national set, and a set's total changes with its criteria.
        ledger.rebuild()
    if result.targets_created or result.targets_updated:
        targets_changed()  # recorded values are judged against the targets the files now state
    return result
