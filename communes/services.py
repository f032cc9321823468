"""Writes to administrative units: the import of the official lists from the `vietnam-provinces` package, and of
the 2025 reorganisation (which old unit became which new one) from the `vietnamadminunits` package."""

import functools
import importlib.util
import json
import sqlite3
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.db import connection, transaction
from django.db.models import Q

from ntm_portal.text import fold_vietnamese

from .choices import UnitKind, UnitLevel
from .models import AdministrativeUnit, UnitSuccession

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


# ---------------------------------------------------------------------------------------------------------------
# The 1 July 2025 reorganisation as data: which old units became which new ones (NQ 202/2025/QH15 for the
# provinces, the Standing Committee's resolutions per province for the communes), from the `vietnamadminunits`
# package's official conversion table and dataset.

# The last day the old provinces, districts and communes operated.
MERGER_LAST_OLD_DAY = date(2025, 6, 30)

# Apostrophes and dashes are typed several ways across releases ("Ea H'Leo" / "Ea H’leo", "Chân Mây - Lăng Cô" /
# "Chân Mây – Lăng Cô"); a name compared across the two packages is folded, these unified, blanks collapsed.
_NAME_VARIANTS = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "–": "-", "—": "-"})


COORDINATE_FIELDS = ("latitude", "longitude", "area_km2")


class MergerDataError(Exception):
    """The conversion cannot be applied; the message names the code or key at fault. Nothing was written."""


@dataclass(frozen=True)
class NameMatch:
    """A new commune found in the database by its province and name because its code differs from the conversion's
    (a later official code change, or codes swapped between communes); the database's code is kept."""

    province_code: str
    conversion_code: str
    code: str
    name: str
    pk: int

    def __str__(self) -> str:
        return (
            f"{self.name} (tỉnh {self.province_code}): mã {self.conversion_code} theo dữ liệu sắp xếp, "
            f"{self.code} trong cơ sở dữ liệu"
        )


@dataclass
class MergerResult:
    """What `merger_2025_import` did (or, with dry_run, would do).

    `successors` maps each old commune-level unit's pk (the five island districts that became special zones
    included) to its new communes as (pk, default_successor) pairs, the default one first. In a dry run the pks
    of units the run created belong to rows that were rolled back.
    """

    dry_run: bool = False
    province_codes: list[str] | None = None
    only_present: bool = False
    # Writes.
    old_units_created: int = 0
    old_units_closed: int = 0
    provinces_created: int = 0
    communes_created: int = 0
    links_created: int = 0
    links_updated: int = 0
    coordinates_stored: int = 0
    # Unchanged provinces (one old province, same code and name) whose row simply continues after 01/07/2025.
    provinces_continued: list[str] = field(default_factory=list)
    # The shape of the reorganisation within the scope, whether this run wrote it or an earlier one did.
    new_communes_linked: int = 0  # new communes with at least one predecessor linked
    formed_by_merging: int = 0  # of them, formed from two or more old units merged whole
    unchanged: int = 0  # of them, one old unit merged whole and no part of another (1 → 1)
    with_whole_predecessors: int = 0  # new communes with at least one old unit merged whole into them
    whole_predecessors: int = 0  # old commune-level units merged whole into one new commune
    divided_predecessors: int = 0  # old commune-level units divided between several new communes
    name_matches: list[NameMatch] = field(default_factory=list)
    # Open old communes in the scope that the conversion does not know (e.g. merged earlier in 2025): left as they are.
    not_in_conversion: list[str] = field(default_factory=list)
    successors: dict[int, list[tuple[int, bool]]] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return any(
            (
                self.old_units_created,
                self.old_units_closed,
                self.provinces_created,
                self.communes_created,
                self.links_created,
                self.links_updated,
                self.coordinates_stored,
            )
        )


@dataclass(frozen=True)
class _Place:
    """A unit as the conversion data describes it (old or new), not yet matched with the database."""

    key: str
    level: str
    code: str
    name: str
    kind: str
    province_code: str
    district_code: str | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    area_km2: Decimal | None = None


@dataclass
class _NewCommune:
    place: _Place
    whole: list[str] = field(default_factory=list)  # keys of old units merged whole into it
    divided: list[tuple[str, bool]] = field(default_factory=list)  # (key of an old unit divided, is default part)


@dataclass
class _Conversion:
    old_provinces: dict[str, _Place]  # by code
    old_districts: dict[str, _Place]  # by code
    old_units: dict[str, _Place]  # commune-level old units by key "province_district_ward"
    new_provinces: dict[str, _Place]  # by code
    new_province_olds: dict[str, list[str]]  # new province code -> old province codes
    new_communes: list[_NewCommune]


def _merger_data_dir() -> Path:
    # The package's __init__ imports its parsers (shapely, geopy...); only its data files are read, so it is
    # located without being imported.
    spec = importlib.util.find_spec("vietnamadminunits")
    if spec is None or not spec.submodule_search_locations:
        raise MergerDataError("chưa cài gói vietnamadminunits (requirements.txt)")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _province_place(row) -> _Place:
    """The province of a row of the dataset's old or new units table (both name its columns alike)."""
    return _place(
        row["provinceKey"],
        UnitLevel.PROVINCE,
        row["provinceCode"],
        row["province"],
        None,
        province_code=row["provinceCode"],
        latitude=_decimal(row["provinceLat"], 6),
        longitude=_decimal(row["provinceLon"], 6),
    )


def _decimal(value: float | None, places: int) -> Decimal | None:
    return None if value is None else Decimal(f"{value:.{places}f}")


def _name_key(name: str) -> str:
    return " ".join(fold_vietnamese(name).translate(_NAME_VARIANTS).split())


def _place(key: str, level: str, code: str | None, name: str | None, kind_hint: str | None, **values) -> _Place:
    if not code or not name:
        raise MergerDataError(f"dữ liệu sắp xếp: đơn vị {key!r} thiếu mã hoặc tên")
    name = " ".join(unicodedata.normalize("NFC", name).split())
    try:
        name, kind = _name_and_kind(name, kind_hint, level, key)
    except UnitImportError as error:
        raise MergerDataError(f"dữ liệu sắp xếp: {error}") from None
    return _Place(key=key, level=level, code=code, name=name, kind=kind, **values)


def old_commune_coordinates() -> dict[str, tuple[Decimal, Decimal]]:
    """The pre-2025 communes' coordinates by GSO code, from the official conversion data (vietnamadminunits)."""
    return {
        place.code: (place.latitude, place.longitude)
        for place in _load_conversion().old_units.values()
        if place.level == UnitLevel.COMMUNE and place.latitude is not None and place.longitude is not None
    }


@functools.cache
def _load_conversion() -> _Conversion:
    """Read converter_2025.json and dataset.db once per process and check that every key resolves to a code."""
    directory = _merger_data_dir()
    try:
        tables = json.loads((directory / "converter_2025.json").read_text(encoding="utf-8"))
        database = sqlite3.connect(f"file:{directory / 'dataset.db'}?mode=ro", uri=True)
    except (OSError, ValueError, sqlite3.Error) as error:
        raise MergerDataError(f"không đọc được dữ liệu của gói vietnamadminunits ({error})") from error
    database.row_factory = sqlite3.Row
    try:
        legacy_rows = database.execute("SELECT * FROM admin_units_legacy").fetchall()
        new_rows = database.execute("SELECT * FROM admin_units").fetchall()
    finally:
        database.close()

    old_provinces, old_districts, old_units, old_province_by_key = {}, {}, {}, {}
    for row in legacy_rows:
        province = old_provinces.get(row["provinceCode"]) or _province_place(row)
        old_provinces[province.code] = province
        old_province_by_key[row["provinceKey"]] = province.code
        district = old_districts.get(row["districtCode"]) or _place(
            f"{row['provinceKey']}_{row['districtKey']}",
            UnitLevel.DISTRICT,
            row["districtCode"],
            row["district"],
            row["districtType"],
            province_code=province.code,
            latitude=_decimal(row["districtLat"], 6),
            longitude=_decimal(row["districtLon"], 6),
        )
        old_districts[district.code] = district
        key = f"{row['provinceKey']}_{row['districtKey']}_{row['wardKey'] or ''}"
        if row["wardKey"] is None:
            # An island district without communes (Bạch Long Vĩ, Cồn Cỏ, Hoàng Sa, Lý Sơn, Côn Đảo): the district
            # itself is the old unit that became a special zone (đặc khu).
            old_units[key] = district
            continue
        old_units[key] = _place(
            key,
            UnitLevel.COMMUNE,
            row["wardCode"],
            row["ward"],
            row["wardType"],
            province_code=province.code,
            district_code=district.code,
            latitude=_decimal(row["wardLat"], 6),
            longitude=_decimal(row["wardLon"], 6),
        )

    new_provinces, new_by_key = {}, {}
    for row in new_rows:
        province = new_provinces.get(row["provinceCode"]) or _province_place(row)
        new_provinces[province.code] = province
        key = f"{row['provinceKey']}_{row['wardKey']}"
        new_by_key[key] = _NewCommune(
            _place(
                key,
                UnitLevel.COMMUNE,
                row["wardCode"],
                row["ward"],
                row["wardType"],
                province_code=province.code,
                latitude=_decimal(row["wardLat"], 6),
                longitude=_decimal(row["wardLon"], 6),
                area_km2=_decimal(row["wardAreaKm2"], 2),
            )
        )
    new_province_by_key = {place.key: code for code, place in new_provinces.items()}

    def new_province_code(key: str) -> str:
        if key not in new_province_by_key:
            raise MergerDataError(f"dữ liệu sắp xếp: không có tỉnh mới {key!r}")
        return new_province_by_key[key]

    def old_unit(key: str, new_code: str) -> _Place:
        unit = old_units.get(key)
        if unit is None:
            raise MergerDataError(f"dữ liệu sắp xếp: không có đơn vị cũ {key!r}")
        if unit.province_code not in new_province_olds[new_code]:
            raise MergerDataError(f"dữ liệu sắp xếp: {key!r} không thuộc các tỉnh cũ hợp thành tỉnh {new_code}")
        return unit

    def new_commune(province_key: str, ward_key: str) -> _NewCommune:
        commune = new_by_key.get(f"{province_key}_{ward_key}")
        if commune is None:
            raise MergerDataError(f"dữ liệu sắp xếp: không có xã mới {ward_key!r} ở tỉnh {province_key!r}")
        return commune

    new_province_olds = {}
    for province_key, old_keys in tables["DICT_PROVINCE"].items():
        olds = []
        for old_key in old_keys:
            if old_key not in old_province_by_key:
                raise MergerDataError(f"dữ liệu sắp xếp: không có tỉnh cũ {old_key!r}")
            olds.append(old_province_by_key[old_key])
        new_province_olds[new_province_code(province_key)] = sorted(olds)
    seen: dict[str, str] = {}
    for province_key, wards in tables["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        code = new_province_code(province_key)
        for ward_key, old_keys in wards.items():
            commune = new_commune(province_key, ward_key)
            for old_key in old_keys:
                old_unit(old_key, code)
                if seen.setdefault(old_key, commune.place.key) != commune.place.key:
                    raise MergerDataError(f"dữ liệu sắp xếp: {old_key!r} nhập nguyên vào hai xã mới")
                commune.whole.append(old_key)
    for province_key, old_parts in tables["DICT_PROVINCE_WARD_DIVIDED"].items():
        code = new_province_code(province_key)
        for old_key, parts in old_parts.items():
            old_unit(old_key, code)
            if old_key in seen or sum(bool(part["isDefaultNewWard"]) for part in parts) != 1:
                raise MergerDataError(f"dữ liệu sắp xếp: {old_key!r} được chia nhưng không có đúng một xã mặc định")
            seen[old_key] = old_key
            for part in parts:
                new_commune(province_key, part["newWardKey"]).divided.append((old_key, bool(part["isDefaultNewWard"])))
    return _Conversion(
        old_provinces=old_provinces,
        old_districts=old_districts,
        old_units=old_units,
        new_provinces=new_provinces,
        new_province_olds=new_province_olds,
        new_communes=sorted(new_by_key.values(), key=lambda commune: commune.place.code),
    )


@transaction.atomic
def merger_2025_import(
    *,
    province_codes: Collection[str] | None = None,
    only_present: bool = False,
    dry_run: bool = False,
) -> MergerResult:
    """Apply the official conversion of 1 July 2025: close the old units, create or update the new ones, link them.

    Old units (matched by level and code among the units in force on 30/06/2025) are closed on that day; the
    new provinces and communes (matched by level and code among the units starting on 01/07/2025, as
    `units_import` dates a 2-level list; a commune whose code differs is matched by province and name, and
    listed) start on 01/07/2025, new communes directly under their province. Each new unit's `merged_from` are
    its predecessors, a divided old commune linked to each of its parts with the default one marked. A province
    that keeps the code and name of one of its old provinces (Thái Nguyên, joined by Bắc Kạn) keeps that row, which
    continues, its history and its users with it, the other old provinces linked as its predecessors; unless a row
    starting on 01/07/2025 already exists: then that row succeeds the old ones like any other.

    `province_codes` (old GSO province codes) limits the run to those old provinces' units and the new units they
    became; `only_present` to the old units already in the database (old units are otherwise created, closed,
    from the conversion's data). Coordinates and areas are stored where the data has them. A second run writes
    nothing; any inconsistency raises MergerDataError before or instead of a partial write.
    """
    conversion = _load_conversion()
    result = MergerResult(dry_run=dry_run, only_present=only_present)
    scope = set(conversion.old_provinces)
    if province_codes is not None:
        scope = set()
        for code in province_codes:
            try:
                code = _parse_code(code, "", UnitLevel.PROVINCE)
            except UnitImportError:
                raise MergerDataError(f"mã tỉnh {code!r} không hợp lệ: cần một số từ 1 đến 99") from None
            if code not in conversion.old_provinces:
                raise MergerDataError(f"không có tỉnh cũ mã {code} trong dữ liệu sắp xếp")
            scope.add(code)
        result.province_codes = sorted(scope)

    old_units = {key: unit for key, unit in conversion.old_units.items() if unit.province_code in scope}
    old_places = [
        *(conversion.old_provinces[code] for code in sorted(scope)),
        *(unit for unit in conversion.old_districts.values() if unit.province_code in scope),
        *(unit for unit in old_units.values() if unit.level == UnitLevel.COMMUNE),
    ]
    present = _present_old_units(old_places)
    _check_present_old_units(present, conversion, scope, result)

    # The new communes concerned and, for each, its predecessors within the scope (present ones only if asked).
    def usable(key: str) -> bool:
        unit = old_units.get(key)
        return unit is not None and (not only_present or (unit.level, unit.code) in present)

    new_communes = []
    for commune in conversion.new_communes:
        whole = [key for key in commune.whole if usable(key)]
        divided = [(key, default) for key, default in commune.divided if usable(key)]
        if whole or divided:
            new_communes.append((commune.place, whole, divided))
    new_province_codes = {
        code
        for code, olds in conversion.new_province_olds.items()
        if any(old in scope and (not only_present or (UnitLevel.PROVINCE, old) in present) for old in olds)
    } | {place.province_code for place, _whole, _divided in new_communes}

    # A province keeping an old one's code and name continues in its row (a user of the province keeps its history
    # on every page), unless a row starting on 01/07/2025 is already there.
    new_rows = _new_units(new_province_codes)
    for code in sorted(new_province_codes):
        old_row = present.get((UnitLevel.PROVINCE, code))
        if (
            code not in new_rows["provinces"]
            and code in conversion.new_province_olds[code]
            and (old_row is None or _name_key(old_row["name"]) == _name_key(conversion.new_provinces[code].name))
        ):
            result.provinces_continued.append(code)

    # Old units: the missing ones created (closed) unless only the present ones are wanted.
    pks = {(level, code): row["pk"] for (level, code), row in present.items()}
    if not only_present:
        _create_old_units(old_places, present, set(result.provinces_continued), pks, result)

    new_province_pks: dict[str, int | None] = {}
    province_links: list[tuple[str, str]] = []  # (new province code, old province code)
    to_create = []
    for code in sorted(new_province_codes):
        place = conversion.new_provinces[code]
        olds = conversion.new_province_olds[code]
        if code in result.provinces_continued:
            new_province_pks[code] = pks.get((UnitLevel.PROVINCE, code))
            province_links += [
                (code, old) for old in olds if old != code and (UnitLevel.PROVINCE, old) in pks and old in scope
            ]
            continue
        if code not in new_rows["provinces"]:
            to_create.append(_unit_from_place(place, valid_from=TWO_LEVEL_START))
        province_links += [(code, old) for old in olds if (UnitLevel.PROVINCE, old) in pks and old in scope]
    if to_create:
        AdministrativeUnit.objects.bulk_create(to_create)
        result.provinces_created += len(to_create)
        result.coordinates_stored += sum(unit.latitude is not None for unit in to_create)
        new_rows = _new_units(new_province_codes)
    for code in new_province_codes:
        if code not in result.provinces_continued:
            new_province_pks[code] = new_rows["provinces"][code]["pk"]
    missing = sorted(code for code, pk in new_province_pks.items() if pk is None)
    if missing:
        # Only with only_present: a continuing province that is not in the database cannot hold new communes.
        raise MergerDataError(f"tỉnh {', '.join(missing)} chưa có trong cơ sở dữ liệu")

    # New communes: by code and name, then by province and name, then by code within the province.
    places = [place for place, _whole, _divided in new_communes]
    matched = _match_new_communes(places, new_rows["communes"], new_province_pks, result)
    to_create = []
    for place, _whole, _divided in new_communes:
        if place.key in matched:
            continue
        taken = new_rows["communes_by_code"].get(place.code)
        if taken is not None:
            raise MergerDataError(
                f"xã mới {place.code} ({place.name}): mã này đã thuộc {taken['name']} trong cơ sở dữ liệu"
            )
        unit = _unit_from_place(place, valid_from=TWO_LEVEL_START)
        unit.parent_id = unit.province_id = new_province_pks[place.province_code]
        to_create.append(unit)
    if to_create:
        AdministrativeUnit.objects.bulk_create(to_create)
        result.communes_created += len(to_create)
        result.coordinates_stored += sum(unit.latitude is not None for unit in to_create)
        created = dict(
            AdministrativeUnit.objects.filter(
                level=UnitLevel.COMMUNE, valid_from=TWO_LEVEL_START, code__in=[unit.code for unit in to_create]
            ).values_list("code", "pk")
        )
        for place, _whole, _divided in new_communes:
            if place.key not in matched:
                matched[place.key] = created[place.code]

    # Links: each new unit's predecessors, the default part of a divided commune marked.
    wanted: dict[tuple[int, int], bool] = {}
    for place, whole, divided in new_communes:
        successor = matched[place.key]
        for key in whole:
            wanted[(successor, pks[(old_units[key].level, old_units[key].code)])] = True
        for key, default in divided:
            wanted[(successor, pks[(old_units[key].level, old_units[key].code)])] = default
    for new_code, old_code in province_links:
        wanted[(new_province_pks[new_code], pks[(UnitLevel.PROVINCE, old_code)])] = True
    _write_links(wanted, result)

    # Old units closed on 30/06/2025, except a continuing province.
    continued = {pks.get((UnitLevel.PROVINCE, code)) for code in result.provinces_continued}
    to_close = [row["pk"] for row in present.values() if row["valid_to"] is None and row["pk"] not in continued]
    for start in range(0, len(to_close), 500):
        AdministrativeUnit.objects.filter(pk__in=to_close[start : start + 500]).update(valid_to=MERGER_LAST_OLD_DAY)
    result.old_units_closed = len(to_close)

    # Coordinates of the units that were already there (those created above got theirs on creation); a continuing
    # province takes the new province's.
    places_by_code = {(place.level, place.code): place for place in old_places}
    located = {row["pk"]: (row, places_by_code[key]) for key, row in present.items()}
    for code in new_province_codes:
        row = new_rows["provinces"].get(code) or present.get((UnitLevel.PROVINCE, code))
        if row is not None and row["pk"] == new_province_pks[code]:
            located[row["pk"]] = (row, conversion.new_provinces[code])
    rows_by_pk = {row["pk"]: row for row in new_rows["communes"]}
    for place, _whole, _divided in new_communes:
        row = rows_by_pk.get(matched[place.key])
        if row is not None:
            located[row["pk"]] = (row, place)
    _store_coordinates(located.values(), result)

    _describe(new_communes, old_units, pks, matched, result)
    if dry_run:
        transaction.set_rollback(True)
    return result


_UNIT_VALUES = ("pk", "level", "code", "name", "valid_to", "province_id", "district_id", *COORDINATE_FIELDS)


def _present_old_units(places: list[_Place]) -> dict[tuple[str, str], dict]:
    """The database's unit in force on 30/06/2025 for each old place, by (level, code)."""
    wanted = {(place.level, place.code) for place in places}
    levels = {level for level, _code in wanted}
    candidates: dict[tuple[str, str], list[dict]] = {}
    rows = AdministrativeUnit.objects.filter(level__in=levels).filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=MERGER_LAST_OLD_DAY)
    )
    for row in rows.values(*_UNIT_VALUES):
        if (row["level"], row["code"]) in wanted:
            candidates.setdefault((row["level"], row["code"]), []).append(row)
    present = {}
    for key, rows in candidates.items():
        in_force = [row for row in rows if row["valid_to"] is None or row["valid_to"] >= MERGER_LAST_OLD_DAY]
        if len(in_force) > 1:
            raise MergerDataError(
                f"{UnitLevel(key[0]).label.lower()} mã {key[1]}: {len(in_force)} đơn vị còn hiệu lực ngày 30/06/2025"
            )
        if in_force:
            present[key] = in_force[0]
    return present


def _check_present_old_units(present: dict, conversion: _Conversion, scope: set[str], result: MergerResult) -> None:
    """A present old unit must sit where the conversion puts it; open old communes it does not know are listed."""
    ancestors = {row[column] for row in present.values() for column in ("province_id", "district_id") if row[column]}
    codes = dict(AdministrativeUnit.objects.filter(pk__in=ancestors).values_list("pk", "code"))
    commune_places = {unit.code: unit for unit in conversion.old_units.values() if unit.level == UnitLevel.COMMUNE}
    for (level, code), row in present.items():
        if level == UnitLevel.PROVINCE:
            continue
        place = conversion.old_districts[code] if level == UnitLevel.DISTRICT else commune_places[code]
        expected = (place.province_code, place.district_code)
        found = (codes.get(row["province_id"]), codes.get(row["district_id"]))
        if found != expected:
            raise MergerDataError(
                f"{UnitLevel(level).label.lower()} {code} ({row['name']}) thuộc tỉnh {found[0]}, huyện {found[1]} "
                f"trong cơ sở dữ liệu; tỉnh {expected[0]}, huyện {expected[1]} theo dữ liệu sắp xếp"
            )
    province_pks = [
        row["pk"] for (level, code), row in present.items() if level == UnitLevel.PROVINCE and code in scope
    ]
    unknown = (
        AdministrativeUnit.objects.communes()
        .filter(province__in=province_pks, valid_to__isnull=True)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=MERGER_LAST_OLD_DAY))
        .exclude(code__in=[code for (level, code) in present if level == UnitLevel.COMMUNE])
        .values_list("code", "name")
    )
    result.not_in_conversion = [f"{code} {name}" for code, name in unknown if code not in commune_places]


def _unit_from_place(place: _Place, **values) -> AdministrativeUnit:
    return AdministrativeUnit(
        level=place.level,
        code=place.code,
        name=place.name,
        name_folded=fold_vietnamese(place.name),
        kind=place.kind,
        latitude=place.latitude,
        longitude=place.longitude,
        area_km2=place.area_km2,
        **values,
    )


def _create_old_units(
    places: list[_Place], present: dict, continued: set[str], pks: dict[tuple[str, str], int], result: MergerResult
) -> None:
    """Create the old units missing from the database, closed on 30/06/2025 (a continuing province stays open)."""
    for level in (UnitLevel.PROVINCE, UnitLevel.DISTRICT, UnitLevel.COMMUNE):
        to_create = []
        for place in places:
            if place.level != level or (level, place.code) in present:
                continue
            continues = level == UnitLevel.PROVINCE and place.code in continued
            unit = _unit_from_place(place, valid_to=None if continues else MERGER_LAST_OLD_DAY)
            if level != UnitLevel.PROVINCE:
                unit.province_id = pks[(UnitLevel.PROVINCE, place.province_code)]
                unit.district_id = pks.get((UnitLevel.DISTRICT, place.district_code)) if place.district_code else None
                unit.parent_id = unit.district_id or unit.province_id
            to_create.append(unit)
        if not to_create:
            continue
        codes = [unit.code for unit in to_create]
        clash = AdministrativeUnit.objects.filter(level=level, valid_from__isnull=True, code__in=codes[:500]).first()
        if clash is not None:
            raise MergerDataError(f"{level} mã {clash.code} ({clash.name}) đã hết hiệu lực trước ngày 30/06/2025")
        AdministrativeUnit.objects.bulk_create(to_create)
        result.old_units_created += len(to_create)
        result.coordinates_stored += sum(unit.latitude is not None for unit in to_create)
        for start in range(0, len(codes), 500):
            rows = AdministrativeUnit.objects.filter(
                level=level, valid_from__isnull=True, code__in=codes[start : start + 500]
            )
            pks.update(((level, code), pk) for code, pk in rows.values_list("code", "pk"))


def _new_units(province_codes: Collection[str]) -> dict:
    """The units starting on 01/07/2025: the new provinces by code, and every new commune."""
    starting = AdministrativeUnit.objects.filter(valid_from=TWO_LEVEL_START)
    provinces = {row["code"]: row for row in starting.provinces().filter(code__in=province_codes).values(*_UNIT_VALUES)}
    communes = list(starting.communes().values(*_UNIT_VALUES))
    return {"provinces": provinces, "communes": communes, "communes_by_code": {row["code"]: row for row in communes}}


def _match_new_communes(
    places: list[_Place], rows: list[dict], province_pks: dict[str, int | None], result: MergerResult
) -> dict[str, int]:
    """Find each new commune of the conversion among the database's: by code and name, else by province and name
    (listed in the result), else by code within the province (a name spelt differently). Returns key -> pk."""
    matched: dict[str, int] = {}
    claimed: set[int] = set()
    by_code = {row["code"]: row for row in rows}
    by_name: dict[tuple[int, str], list[dict]] = {}
    for row in rows:
        by_name.setdefault((row["province_id"], _name_key(row["name"])), []).append(row)

    def claim(place: _Place, row: dict) -> None:
        matched[place.key] = row["pk"]
        claimed.add(row["pk"])

    def in_province(place: _Place, row: dict | None) -> bool:
        return row is not None and row["province_id"] == province_pks[place.province_code]

    for place in places:
        row = by_code.get(place.code)
        if in_province(place, row) and _name_key(row["name"]) == _name_key(place.name):
            claim(place, row)
    for place in places:
        if place.key in matched:
            continue
        same_name = [
            row
            for row in by_name.get((province_pks[place.province_code], _name_key(place.name)), [])
            if row["pk"] not in claimed
        ]
        if len(same_name) == 1:
            row = same_name[0]
            claim(place, row)
            result.name_matches.append(NameMatch(place.province_code, place.code, row["code"], row["name"], row["pk"]))
    for place in places:
        row = by_code.get(place.code)
        if place.key not in matched and in_province(place, row) and row["pk"] not in claimed:
            claim(place, row)
    result.name_matches.sort(key=lambda match: (match.province_code, match.name))
    return matched


def _write_links(wanted: dict[tuple[int, int], bool], result: MergerResult) -> None:
    successors = sorted({successor for successor, _predecessor in wanted})
    existing = {}
    for start in range(0, len(successors), 500):
        links = UnitSuccession.objects.filter(successor__in=successors[start : start + 500])
        existing.update({(link.successor_id, link.predecessor_id): link for link in links})
    to_create, to_update = [], []
    for (successor, predecessor), default in wanted.items():
        link = existing.get((successor, predecessor))
        if link is None:
            to_create.append(
                UnitSuccession(successor_id=successor, predecessor_id=predecessor, default_successor=default)
            )
        elif link.default_successor != default:
            link.default_successor = default
            to_update.append(link)
    UnitSuccession.objects.bulk_create(to_create)
    UnitSuccession.objects.bulk_update(to_update, ["default_successor"])
    result.links_created += len(to_create)
    result.links_updated += len(to_update)


def _store_coordinates(located: Iterable[tuple[dict, _Place]], result: MergerResult) -> None:
    """Write the data's centre and area over what a unit has, where the data has them and they differ."""
    updates = []
    for row, place in located:
        values = [getattr(place, name) if getattr(place, name) is not None else row[name] for name in COORDINATE_FIELDS]
        if values != [row[name] for name in COORDINATE_FIELDS]:
            updates.append([*values, row["pk"]])
    if not updates:
        return
    meta = AdministrativeUnit._meta
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(meta.get_field(name).column)} = %s" for name in COORDINATE_FIELDS)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s", updates
        )
    result.coordinates_stored += len(updates)


def _describe(new_communes: list, old_units: dict[str, _Place], pks: dict, matched: dict, result: MergerResult) -> None:
    divided = set()
    for place, whole, parts in new_communes:
        successor = matched[place.key]
        result.new_communes_linked += 1
        result.formed_by_merging += len(whole) >= 2
        result.unchanged += len(whole) == 1 and not parts
        result.with_whole_predecessors += bool(whole)
        result.whole_predecessors += len(whole)
        divided.update(key for key, _default in parts)
        for key, default in [*((key, True) for key in whole), *parts]:
            predecessor = pks[(old_units[key].level, old_units[key].code)]
            result.successors.setdefault(predecessor, []).append((successor, default))
    result.divided_predecessors = len(divided)
    for links in result.successors.values():
        links.sort(key=lambda link: (not link[1], link[0]))
