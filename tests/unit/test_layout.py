"""The import contract (pyproject.toml, checked by `make lint`) covers the whole tree, and the
README's layout names every package: a new package or page module can't slip past either."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]


def _contract(kind: str, name_starts: str) -> dict:
    return next(c for c in CONTRACTS if c["type"] == kind and c["name"].startswith(name_starts))


def _app_children() -> set[str]:
    """app's packages and top-level modules, by name."""
    return {
        path.stem if path.is_file() else path.name
        for path in (ROOT / "app").iterdir()
        if (path.suffix == ".py" and path.stem != "__init__") or (path / "__init__.py").exists()
    }


def _app_modules() -> list[str]:
    return sorted(
        ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for path in (ROOT / "app").rglob("*.py")
        if path.stem != "__init__"
    )


def _matches(module: str, pattern: str) -> bool:
    """import-linter's wildcard: ``*`` stands for exactly one whole module name."""
    parts, wanted = module.split("."), pattern.split(".")
    return len(parts) == len(wanted) and all(w in ("*", p) for p, w in zip(parts, wanted, strict=True))


def test_every_package_and_top_level_module_of_app_stands_on_exactly_one_floor():
    layers = _contract("layers", "Domains stand on floors")["layers"]
    on_floors = [name.strip() for layer in layers for name in re.split(r"[|:]", layer)]
    assert sorted(on_floors) == sorted(_app_children())


def test_every_page_module_is_held_to_the_page_contracts():
    routes_patterns = _contract("independence", "Routes never import routes")["modules"]
    table_patterns = _contract("forbidden", "Pages never touch tables")["source_modules"]
    pages = [m for m in _app_modules() if m.endswith("routes") or m.endswith(".pages")]
    assert len(pages) > 20
    unchecked = [
        m
        for m in pages
        if not any(_matches(m, p) for p in table_patterns)
        or (m.endswith("routes") and not any(_matches(m, p) for p in routes_patterns))
    ]
    assert unchecked == []


def test_the_readme_layout_names_every_package_and_top_level_module():
    readme = (ROOT / "README.md").read_text()
    layout = readme[readme.index("## How the code is laid out") :]
    layout = layout[: layout.index("\n```\n", layout.index("```") + 3)]
    missing = [
        name
        for name in sorted(_app_children())
        if f"app/{name}/" not in layout and f"app/{name}.py" not in layout
    ]
    assert missing == []
