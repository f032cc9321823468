"""The apps are floors: each imports only the floors below it, so no two apps import each other (issue 20).

Every import statement counts, wherever it stands: at module level, inside a function (a late import hides a circle,
it does not remove it) and under `if TYPE_CHECKING:` (a type the module names is a dependency of its code, and the
type checker follows it). String references are not imports: a `"secondments.Agency"` foreign key, a setting naming
a module, `apps.get_model(...)`. tests/ are not checked.

`python tests/test_import_floors.py` prints the app → app import table (how many import statements per direction).
"""

import ast
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Bottom to top: an app may import the apps before it in this list, never one after it.
FLOORS = ("ntm_portal", "communes", "criteria", "secondments", "reports", "portal", "demo", "config")
FLOOR_OF = {app: floor for floor, app in enumerate(FLOORS)}


@dataclass(frozen=True)
class Import:
    path: str  # relative to the repository, e.g. "communes/models.py"
    line: int
    source: str  # the importing app
    target: str  # the imported app

    def __str__(self) -> str:
        return f"{self.path}:{self.line} ({self.source} imports {self.target})"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported_modules(node: ast.AST, path: Path) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        if not node.level:
            return [node.module or ""]
        # A relative import stays inside the importing package, but resolve it all the same.
        package = _module_name(path).split(".")
        if path.name != "__init__.py":
            package = package[:-1]
        base = package[: len(package) - node.level + 1]
        return [".".join([*base, node.module] if node.module else base)]
    return []


def app_imports() -> list[Import]:
    """Every import from one of the FLOORS apps into another, in the order of the files and lines."""
    found = []
    for app in FLOORS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), relative)):
                for module in _imported_modules(node, path):
                    target = module.split(".")[0]
                    if target in FLOOR_OF and target != app:
                        found.append(Import(relative, node.lineno, app, target))
    return sorted(found, key=lambda found_import: (found_import.path, found_import.line))


def upward(imports: list[Import]) -> list[Import]:
    return [found for found in imports if FLOOR_OF[found.target] > FLOOR_OF[found.source]]


def circles(imports: list[Import]) -> list[list[str]]:
    """The apps that reach each other through imports (strongly connected components of two or more apps)."""
    edges: dict[str, set[str]] = {app: set() for app in FLOORS}
    for found in imports:
        edges[found.source].add(found.target)

    def reachable(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            for target in edges[todo.pop()] - seen:
                seen.add(target)
                todo.append(target)
        return seen

    reach = {app: reachable(app) for app in FLOORS}
    components = {tuple(sorted({app} | {other for other in reach[app] if app in reach[other]})) for app in FLOORS}
    return sorted(list(component) for component in components if len(component) > 1)


def import_table(imports: list[Import]) -> str:
    """Rows import columns: how many import statements run from each app to each other app."""
    counts = Counter((found.source, found.target) for found in imports)
    apps = [app for app in FLOORS if (ROOT / app).is_dir()]
    width = max(map(len, apps)) + 2
    lines = ["from \\ to".ljust(width) + "".join(app.rjust(width) for app in apps)]
    for source in apps:
        cells = (("·" if source == target else str(counts[source, target] or "")).rjust(width) for target in apps)
        lines.append(source.ljust(width) + "".join(cells))
    directions = len([pair for pair, count in counts.items() if count])
    lines.append(f"{directions} of {len(apps) * (len(apps) - 1)} directions, {len(upward(imports))} upward imports")
    return "\n".join(lines)


def test_no_app_imports_an_app_above_it():
    offending = upward(app_imports())
    assert not offending, "Upward imports:\n" + "\n".join(map(str, offending))


def test_no_circle_among_the_apps():
    imports = app_imports()
    found_circles = circles(imports)
    report = []
    for circle in found_circles:
        inside = [str(found) for found in imports if {found.source, found.target} <= set(circle)]
        report.append(" ↔ ".join(circle) + ":\n  " + "\n  ".join(inside))
    assert not found_circles, "Circles:\n" + "\n".join(report)


if __name__ == "__main__":
    sys.stdout.write(import_table(app_imports()) + "\n")
