"""Writes to administrative units: the import of the official lists from the `vietnam-provinces` package."""

import json
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.db import connection, transaction

from ntm_portal.text import fold_vietnamese

from .choices import UnitKind, UnitLevel
from .models import AdministrativeUnit

# NQ 202/2025/QH15: the merged provinces and their new communes took office on 1 July 2025, the day the
# district level stopped operating. A 2-level file describes units that exist from that day, so it is the
# natural start of validity when the caller does not name one; dating them also keeps them apart from the
# undated units of a pre-2025 3-level import, whose codes they reuse.
TWO_LEVEL_START = date(2025, 7, 1)

# GSO (TCTK) codes are fixed-width; the package gives them as integers, so the leading zeros are restored.
CODE_WIDTH = {UnitLevel.PROVINCE: 2, UnitLevel.DISTRICT: 3, UnitLevel.COMMUNE: 5}

# The name prefix is the reliable source of the kind: the pre-2025 releases label a provincial city "huyện"
# and a ward "xã" in `division_type`. A prefix matches only as whole words ("Thị xã " is not "Thị trấn ").
NAME_PREFIXES = {
    UnitLevel.PROVINCE: [("Thành phố", UnitKind.CENTRAL_CITY), ("Tỉnh", UnitKind.PROVINCE)],
    UnitLevel.DISTRICT: [
        ("Thành phố", UnitKind.PROVINCIAL_CITY),
        ("Thị xã", UnitKind.TOWN),
        ("Huyện", UnitKind.RURAL_DISTRICT),
        ("Quận", UnitKind.URBAN_DISTRICT),
    ],
    UnitLevel.COMMUNE: [
        ("Thị trấn", UnitKind.TOWNSHIP),
        ("Đặc khu", UnitKind.SPECIAL_ZONE),
        ("Phường", UnitKind.WARD),
        ("Xã", UnitKind.COMMUNE),
    ],
}
KIND_PREFIX = {kind: prefix for prefixes in NAME_PREFIXES.values() for prefix, kind in prefixes}
DIVISION_TYPES = {
    UnitLevel.PROVINCE: {"tỉnh": UnitKind.PROVINCE, "thành phố trung ương": UnitKind.CENTRAL_CITY},
    UnitLevel.DISTRICT: {
        "huyện": UnitKind.RURAL_DISTRICT,
        "quận": UnitKind.URBAN_DISTRICT,
        "thị xã": UnitKind.TOWN,
        "thành phố": UnitKind.PROVINCIAL_CITY,
        "thành phố thuộc tỉnh": UnitKind.PROVINCIAL_CITY,
        "thành phố thuộc thành phố trung ương": UnitKind.PROVINCIAL_CITY,
    },
    UnitLevel.COMMUNE: {
        "xã": UnitKind.COMMUNE,
        "phường": UnitKind.WARD,
        "thị trấn": UnitKind.TOWNSHIP,
        "đặc khu": UnitKind.SPECIAL_ZONE,
    },
}

NAME_MAX_LENGTH = AdministrativeUnit._meta.get_field("name").max_length
# Every field the import owns; the commune attributes a data steward sets (region, group, flags, NTM level)
# are never in this list, so re-importing an official list cannot wipe them.
IMPORTED_FIELDS = ["name", "name_folded", "kind", "parent", "province", "district"]


class UnitImportError(Exception):
    """The file cannot be imported; the message names the place in the file, e.g. "provinces[3].wards[7]"."""


@dataclass
class LevelCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class UnitImportResult:
    provinces: LevelCounts = field(default_factory=LevelCounts)
    districts: LevelCounts = field(default_factory=LevelCounts)
    communes: LevelCounts = field(default_factory=LevelCounts)
    levels: int = 3  # 2 for the post-July-2025 layout without districts
    valid_from: date | None = None

    def __str__(self) -> str:
        rows = [
            (UnitLevel.PROVINCE, self.provinces),
            (UnitLevel.DISTRICT, self.districts),
            (UnitLevel.COMMUNE, self.communes),
        ]
        return "\n".join(
            f"{level.label}: {counts.created} tạo mới, {counts.updated} cập nhật, {counts.unchanged} không đổi"
            for level, counts in rows
            # A district line of zeros after a 2-level import would suggest districts were expected.
            if level != UnitLevel.DISTRICT or self.levels == 3
        )


@dataclass
class _ParsedUnit:
    """One node of the file, validated and normalised, not yet written."""

    path: str
    level: str
    code: str
    name: str
    kind: str
    province_code: str | None = None
    district_code: str | None = None


def units_load_json(path: Path) -> list[dict]:
    """Read a nested-divisions JSON file; only its outer shape is checked here, the rest by `units_import`."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise UnitImportError(f"{path}: không đọc được tệp ({error})") from error
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise UnitImportError(
            f"{path}: không phải JSON hợp lệ (dòng {error.lineno}, cột {error.colno}: {error.msg})"
        ) from error
    if not isinstance(data, list):
        raise UnitImportError(f"{path}: cần một danh sách tỉnh (JSON list), nhưng tệp chứa {_json_type(data)}")
    return data


@transaction.atomic
def units_import(
    *,
    data: list[dict],
    valid_from: date | None = None,
    province_codes: Collection[int | str] | None = None,
) -> UnitImportResult:
    """Create or update provinces, districts and communes from a nested-divisions list of either layout.

    The whole list is validated before the first write, so a malformed file writes nothing. Units are
    matched by (level, code, valid_from), so importing the same file twice changes nothing.
    `province_codes` limits the import to those provinces (the rest of the file is still validated).
    """
    provinces, districts, communes, levels = _parse(data)
    if province_codes is not None:
        wanted = _select_provinces(provinces, province_codes)
        provinces = [unit for unit in provinces if unit.code in wanted]
        districts = [unit for unit in districts if unit.province_code in wanted]
        communes = [unit for unit in communes if unit.province_code in wanted]
    if valid_from is None and levels == 2:
        valid_from = TWO_LEVEL_START

    result = UnitImportResult(levels=levels, valid_from=valid_from)
    province_ids = _upsert_level(UnitLevel.PROVINCE, provinces, valid_from, result.provinces, {}, {})
    district_ids = _upsert_level(UnitLevel.DISTRICT, districts, valid_from, result.districts, province_ids, {})
    _upsert_level(UnitLevel.COMMUNE, communes, valid_from, result.communes, province_ids, district_ids)
    return result


def _upsert_level(
    level: str,
    units: list[_ParsedUnit],
    valid_from: date | None,
    counts: LevelCounts,
    province_ids: dict[str, int],
    district_ids: dict[str, int],
) -> dict[str, int]:
    """Write one level in a fixed number of queries (plus one per batch of inserts); return code -> pk.

    Bulk writes skip `AdministrativeUnit.save()`, so the fields it derives (name_folded and the ancestor
    columns) are set here from the file's own structure, which is already known to be consistent.
    `full_clean()` is not called either: the parse has checked everything it would (names, kinds per level,
    parents) with messages that point into the file, and its foreign-key checks would cost a query per row.
    """
    if not units:
        return {}
    same_start = AdministrativeUnit.objects.filter(level=level, valid_from=valid_from)
    existing = {unit.code: unit for unit in same_start.only("pk", "code", *IMPORTED_FIELDS)}
    to_create, to_update = [], []
    for parsed in units:
        province_id = province_ids.get(parsed.province_code)
        district_id = district_ids.get(parsed.district_code)
        values = {
            "name": parsed.name,
            "name_folded": fold_vietnamese(parsed.name),
            "kind": parsed.kind,
            "parent_id": district_id or province_id,
            "province_id": province_id,
            "district_id": district_id,
        }
        unit = existing.get(parsed.code)
        if unit is None:
            # Region stays blank: no release of the package says which socio-economic region a commune is in.
            to_create.append(AdministrativeUnit(level=level, code=parsed.code, valid_from=valid_from, **values))
        elif any(getattr(unit, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(unit, name, value)
            to_update.append(unit)
        else:
            counts.unchanged += 1
    AdministrativeUnit.objects.bulk_create(to_create)
    _update_imported_fields(to_update)
    counts.created += len(to_create)
    counts.updated += len(to_update)
    # Read the keys back rather than trust bulk_create to set them: not every backend returns them.
    return dict(same_start.values_list("code", "pk"))


def _update_imported_fields(units: list[AdministrativeUnit]) -> None:
    """Write the imported fields of `units` back with one parameterised UPDATE run through executemany.

    Not `bulk_update()`: it builds a CASE WHEN expression per row and field in Python, which took 7 s to rename
    the 3,321 communes of the current release on SQLite; this takes a few milliseconds on SQLite and PostgreSQL.
    """
    if not units:
        return
    meta = AdministrativeUnit._meta
    db_fields = [meta.get_field(name) for name in IMPORTED_FIELDS]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(db_field.column)} = %s" for db_field in db_fields)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"
    params = [
        [db_field.get_db_prep_save(getattr(unit, db_field.attname), connection) for db_field in db_fields] + [unit.pk]
        for unit in units
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _parse(data: object) -> tuple[list[_ParsedUnit], list[_ParsedUnit], list[_ParsedUnit], int]:
    """Validate the whole nested list and flatten it into provinces, districts and communes, parents first."""
    if not isinstance(data, list):
        raise UnitImportError(f"cần một danh sách tỉnh (JSON list), nhưng nhận được {_json_type(data)}")
    if not data:
        raise UnitImportError("danh sách tỉnh trống")
    provinces, districts, communes = [], [], []
    layouts: dict[int, str] = {}
    for p_index, province_node in enumerate(data):
        province_path = f"provinces[{p_index}]"
        province = _parse_unit(province_node, province_path, UnitLevel.PROVINCE)
        provinces.append(province)
        # A null list counts as absent: some exports write every key, with null for the layout not used.
        has_wards = province_node.get("wards") is not None
        has_districts = province_node.get("districts") is not None
        if has_wards == has_districts:
            which = "cả 'wards' lẫn 'districts'" if has_wards else "'wards' hoặc 'districts'"
            raise UnitImportError(f"{province_path} ({province.name}): cần đúng một trong hai, có {which}")
        layouts.setdefault(2 if has_wards else 3, province_path)
        if len(layouts) > 1:
            raise UnitImportError(
                f"{province_path} ({province.name}): tệp trộn hai cách tổ chức — {layouts[2]} có xã trực thuộc "
                f"tỉnh ('wards'), {layouts[3]} có huyện ('districts')"
            )
        if has_wards:
            for w_index, ward_node in _children(province_node, "wards", province_path):
                commune = _parse_unit(ward_node, f"{province_path}.wards[{w_index}]", UnitLevel.COMMUNE)
                commune.province_code = province.code
                communes.append(commune)
            continue
        for d_index, district_node in _children(province_node, "districts", province_path):
            district_path = f"{province_path}.districts[{d_index}]"
            district = _parse_unit(district_node, district_path, UnitLevel.DISTRICT)
            district.province_code = province.code
            districts.append(district)
            for w_index, ward_node in _children(district_node, "wards", district_path, required=True):
                commune = _parse_unit(ward_node, f"{district_path}.wards[{w_index}]", UnitLevel.COMMUNE)
                commune.province_code, commune.district_code = province.code, district.code
                communes.append(commune)
    for units in (provinces, districts, communes):
        _reject_duplicate_codes(units)
    return provinces, districts, communes, next(iter(layouts))


def _children(node: dict, key: str, path: str, *, required: bool = False) -> Iterable[tuple[int, object]]:
    if key not in node:
        if required:
            raise UnitImportError(f"{path}: thiếu '{key}'")
        return []
    children = node[key]
    if not isinstance(children, list):
        raise UnitImportError(f"{path}.{key}: cần một danh sách, nhưng nhận được {_json_type(children)}")
    return enumerate(children)


def _parse_unit(node: object, path: str, level: str) -> _ParsedUnit:
    if not isinstance(node, dict):
        raise UnitImportError(f"{path}: cần một đối tượng JSON, nhưng nhận được {_json_type(node)}")
    if "code" not in node:
        raise UnitImportError(f"{path}: thiếu 'code'")
    code = _parse_code(node["code"], path, level)
    raw_name = node.get("name")
    if not isinstance(raw_name, str) or not raw_name.strip():
        raise UnitImportError(f"{path} (mã {code}): 'name' trống hoặc không phải chuỗi")
    # NFC so that a name typed with combining marks compares equal to the same name typed precomposed.
    name = " ".join(unicodedata.normalize("NFC", raw_name).split())
    if len(name) > NAME_MAX_LENGTH:
        raise UnitImportError(f"{path} (mã {code}): tên dài quá {NAME_MAX_LENGTH} ký tự")
    name, kind = _name_and_kind(name, node.get("division_type"), level, path)
    return _ParsedUnit(path=path, level=level, code=code, name=name, kind=kind)


def _parse_code(value: object, path: str, level: str) -> str:
    width = CODE_WIDTH[level]
    # bool is an int in Python, but `true` is no code.
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        number = int(value)
    else:
        raise UnitImportError(f"{path}: 'code' phải là một số nguyên, nhưng nhận được {value!r}")
    if not 0 < number < 10**width:
        level_name = UnitLevel(level).label.lower()
        raise UnitImportError(f"{path}: 'code' {value!r} không phải mã {level_name} ({width} chữ số, khác 0)")
    return f"{number:0{width}d}"


def _name_and_kind(name: str, division_type: object, level: str, path: str) -> tuple[str, str]:
    """The kind from the name's prefix, else from `division_type`; and the name, starting with its prefix.

    The prefix is written as the law writes it: the 2025.01 release spells one city "Thành Phố Bắc Kạn", so the
    prefix is matched case-insensitively and rewritten, and names sort and display alike.
    """
    folded = name.casefold()
    for prefix, kind in NAME_PREFIXES[level]:
        if folded.startswith(prefix.casefold() + " "):
            return prefix + name[len(prefix) :], kind
    kind = DIVISION_TYPES[level].get(division_type.strip().casefold()) if isinstance(division_type, str) else None
    if kind is not None:
        # The 2025.10 release names 28 of its provinces bare ("Thái Nguyên"): the prefix makes the name the
        # full official one, as the other provinces and every earlier release have it.
        return f"{KIND_PREFIX[kind]} {name}", kind
    prefixes = ", ".join(prefix for prefix, _kind in NAME_PREFIXES[level])
    raise UnitImportError(
        f"{path} ({name}): không nhận ra loại đơn vị — tên không bắt đầu bằng {prefixes} "
        f"và 'division_type' ({division_type!r}) cũng không phải loại của cấp {UnitLevel(level).label.lower()}"
    )


def _reject_duplicate_codes(units: list[_ParsedUnit]) -> None:
    seen: dict[str, _ParsedUnit] = {}
    for unit in units:
        first = seen.setdefault(unit.code, unit)
        if first is not unit:
            raise UnitImportError(f"{unit.path} ({unit.name}): mã {unit.code} trùng với {first.path} ({first.name})")


def _select_provinces(provinces: list[_ParsedUnit], province_codes: Collection[int | str]) -> set[str]:
    in_file = {unit.code for unit in provinces}
    wanted = set()
    for code in province_codes:
        try:
            wanted.add(_parse_code(code, "", UnitLevel.PROVINCE))
        except UnitImportError:
            raise UnitImportError(f"mã tỉnh {code!r} không hợp lệ: cần một số từ 1 đến 99") from None
    missing = sorted(wanted - in_file)
    if missing:
        raise UnitImportError(f"không có tỉnh mã {', '.join(missing)} trong dữ liệu")
    return wanted


def _json_type(value: object) -> str:
    if isinstance(value, dict):
        return "một đối tượng"
    if isinstance(value, list):
        return "một danh sách"
    if isinstance(value, str):
        return f"chuỗi {value!r}"
    if value is None:
        return "null"
    return f"giá trị {value!r}"
