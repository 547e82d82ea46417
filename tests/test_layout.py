"""The house: a package per journey, dependencies one way, no cycles (docs/architecture.md).

The import graph is read from the source (every import, those inside functions included), so a
module that imports another lazily to dodge a cycle is caught as well.
"""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Layers, lowest first: a module may import from a lower layer or from its own package only.
CORE, PEOPLE, RECORDS, JOURNEYS, SERVICES, WIRING, FACTORY, ENTRY = range(8)
PACKAGE_LAYERS = {"people": PEOPLE, "records": RECORDS, "guidance": JOURNEYS, "transfer": JOURNEYS,
                  "ops": SERVICES, "api": SERVICES}
TOP_LAYERS = {"web": WIRING, "cli": WIRING, "__main__": ENTRY}


def module_name(path):
    """capture/records/views.py → capture.records.views; an __init__ names its package."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def source_modules():
    """{module name: path} of capture/ and exporters/ (migrations are data, not modules)."""
    paths = [p for top in ("capture", "exporters") for p in (ROOT / top).rglob("*.py")
             if "migrations" not in p.parts]
    return {module_name(p): p for p in paths}


def imports_of(name, path, known):
    """The modules of ours that one module imports, wherever in it the import stands."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] in ("capture", "exporters"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            if base.split(".")[0] not in ("capture", "exporters"):
                continue
            for alias in node.names:
                child = f"{base}.{alias.name}"
                found.add(child if child in known else base)
    return found - {name}


def graph():
    """{module: modules it imports}, for capture/ and exporters/."""
    known = source_modules()
    return {name: imports_of(name, path, known) for name, path in known.items()}


def layer(name):
    """(layer, package) of a module of capture/."""
    parts = name.split(".")
    if len(parts) == 1:
        return FACTORY, "capture"
    if parts[1] in PACKAGE_LAYERS:
        return PACKAGE_LAYERS[parts[1]], parts[1]
    return TOP_LAYERS.get(parts[1], CORE), "core"


def cycles(edges):
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return groups


def test_no_import_cycle_between_modules():
    assert cycles(graph()) == []


def test_dependencies_point_one_way():
    wrong = []
    for source, targets in graph().items():
        if source.startswith("exporters"):
            wrong += [(source, t) for t in targets if t.startswith("capture")]
            continue
        source_layer, source_package = layer(source)
        for target in targets:
            if target.startswith("exporters"):
                continue
            target_layer, target_package = layer(target)
            if target_package != source_package and target_layer >= source_layer:
                wrong.append((source, target))
    assert wrong == []


def test_a_journey_never_imports_another_journeys_views():
    wrong = [(source, target) for source, targets in graph().items() for target in targets
             if target.endswith(".views") and layer(source)[0] < WIRING
             and layer(source)[1] != layer(target)[1]]
    assert wrong == []


def test_the_core_stays_small_and_every_journey_is_a_package():
    top = [p.name for p in (ROOT / "capture").glob("*.py")]
    assert len(top) <= 20, sorted(top)
    for package in PACKAGE_LAYERS:
        assert (ROOT / "capture" / package / "__init__.py").is_file()
        assert not (ROOT / "capture" / f"{package}.py").exists()


def test_the_checks_catch_what_they_should():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert layer("capture.records.views") == (RECORDS, "records")
    assert layer("capture.audit") == (CORE, "core")
    assert layer("capture.web") == (WIRING, "core")
    known = source_modules()
    assert "capture.records.registry" in imports_of(
        "capture.records.views", known["capture.records.views"], known)
    # A lazy import inside a function counts like one at the top.
    assert "capture.ops.demo" in imports_of("capture.ops.cli", known["capture.ops.cli"], known)


def test_packages_listed_for_installation_are_every_package():
    listed = {line.strip() for line in (ROOT / "setup.cfg").read_text().splitlines()
              if line.startswith("    capture") or line.startswith("    exporters")}
    packages = {module_name(p.parent / "__init__.py") for p in (ROOT / "capture").rglob("__init__.py")}
    assert packages | {"exporters"} <= {entry.split(" ")[0] for entry in listed}


def test_each_journey_keeps_its_routes_in_views_under_a_blueprint_named_after_it():
    routed = {}  # module → the name of the blueprint it declares
    for name, path in source_modules().items():
        text = path.read_text(encoding="utf-8")
        if "= Blueprint(" in text:
            routed[name] = text.split("= Blueprint(", 1)[1].split(",", 1)[0].strip("\"'")
    assert {name: blueprint for name, blueprint in routed.items()
            if not name.endswith(".views") or name.split(".")[-2] != blueprint} == {}
    assert {"capture.people.views", "capture.records.views", "capture.guidance.views",
            "capture.transfer.views"} <= set(routed)
