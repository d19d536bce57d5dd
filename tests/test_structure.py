"""The code keeps its shape: named queries and text keys exist, imports point one way.

These read the source (``ast``), not a running bot: a query name misspelt in a rarely taken
branch, a phrase missing in one language or domain code reaching into Telegram fails here,
before any admin meets it.
"""

from __future__ import annotations

import ast
import re
import typing
from collections.abc import Iterator
from pathlib import Path

from bot.analytics.models import DAILY_SERIES, FUNNEL_STEPS
from bot.broadcast.models import AudienceKind
from bot.db.queries import QUERIES
from bot.telegram.console.commands import ADMIN_COMMANDS, CONSOLE_BUTTONS, PUBLIC_COMMANDS
from bot.telegram.texts import _merged

ROOT = Path(__file__).resolve().parents[1]
BOT = ROOT / "bot"
KEY_SHAPE = re.compile(r"^[a-z]+(_[a-z0-9]+)+$")
# Domain code: shows things to people only through a Protocol the app attaches.
DOMAIN = (
    "bot.analytics",
    "bot.broadcast",
    "bot.digest",
    "bot.charts",
    "bot.db",
    "bot.seed",
    "bot.privacy",
    "bot.school",
)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def sources() -> dict[str, ast.Module]:
    return {
        module_name(path): ast.parse(path.read_text(encoding="utf-8"), str(path))
        for path in sorted(BOT.rglob("*.py"))
    }


SOURCES = sources()


def calls(tree: ast.AST) -> Iterator[ast.Call]:
    yield from (node for node in ast.walk(tree) if isinstance(node, ast.Call))


# named queries ------------------------------------------------------------------------------


def query_uses() -> list[tuple[str, str, set[str], bool]]:
    """(module, query name, keyword names, whether **kwargs are passed too) per call."""
    uses = []
    for module, tree in SOURCES.items():
        for call in calls(tree):
            func = call.func
            if (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and func.value.id == "QUERIES"
            ):
                names = {k.arg for k in call.keywords if k.arg is not None}
                spread = any(k.arg is None for k in call.keywords)
                uses.append((module, func.attr, names, spread))
    return uses


def test_every_named_query_used_in_bot_exists_with_its_parameters() -> None:
    uses = query_uses()
    assert len(uses) > 50, "the scan found too few QUERIES calls to mean anything"
    for module, name, given, spread in uses:
        assert name in QUERIES, f"{module}: no query named {name!r} in sql/queries"
        params = set(getattr(QUERIES, name).params)
        if spread:
            assert given <= params, f"{module}: {name} takes no {sorted(given - params)}"
        else:
            assert given == params, f"{module}: {name} takes {sorted(params)}, got {sorted(given)}"


# text keys ----------------------------------------------------------------------------------


def _is_texts(func: ast.expr) -> bool:
    return (isinstance(func, ast.Name) and func.id == "texts") or (
        isinstance(func, ast.Attribute) and func.attr == "texts"
    )


def _constant(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


# Modules that speak through the chat's catalogs (bot.telegram.texts): the Telegram side, and
# the Mini App's Python, which labels the school's codes with the chat's own words.
CHAT_TEXT_USERS = ("bot.telegram", "bot.web")
CATALOG_MODULES = ("bot.telegram.texts", "bot.web.texts")


def used_text_keys() -> tuple[set[str], set[str]]:
    """Literal keys the Telegram side and the Mini App use, and the prefixes of keys they
    build (f-strings)."""
    keys: set[str] = set()
    prefixes: set[str] = set()
    for module, tree in SOURCES.items():
        if not module.startswith(CHAT_TEXT_USERS) or module.startswith(CATALOG_MODULES):
            continue
        for call in calls(tree):
            if _is_texts(call.func) and call.args:
                first = call.args[0]
                if (key := _constant(first)) is not None:
                    keys.add(key)
                elif isinstance(first, ast.JoinedStr) and first.values:
                    prefix = _constant(first.values[0])  # type: ignore[arg-type]
                    if prefix:
                        prefixes.add(prefix)
            elif isinstance(call.func, ast.Name) and call.func.id == "usage":
                keys.update(k for a in call.args[2:3] if (k := _constant(a)) is not None)
        for node in ast.walk(tree):
            # keys that travel as values: `return "bc_album"`, REASON_KEYS = {...: "bc_…"}
            if isinstance(node, ast.Return) and node.value is not None:
                key = _constant(node.value)
                if key and KEY_SHAPE.match(key):
                    keys.add(key)
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict):
                names = [t.id for t in node.targets if isinstance(t, ast.Name)]
                if any(name.endswith("_KEYS") for name in names):
                    keys.update(k for v in node.value.values if v and (k := _constant(v)))
    return keys, prefixes


def built_text_keys() -> set[str]:
    """Keys built from a known list: each member of the list needs its phrase."""
    audience_kinds = set(typing.get_args(AudienceKind))
    labelled_by_kind = audience_kinds - {"stream", "booked", "lessons", "individual"}
    return (
        {f"cmd_{c}" for c in [*ADMIN_COMMANDS, *CONSOLE_BUTTONS, *PUBLIC_COMMANDS]}
        | {f"series_{s}" for s in DAILY_SERIES}
        | {f"funnel_{s}" for s in FUNNEL_STEPS}
        | {f"bc_aud_{k}" for k in labelled_by_kind}
    )


def test_every_text_key_used_exists_in_both_languages() -> None:
    catalog = _merged()
    keys, prefixes = used_text_keys()
    keys |= built_text_keys()
    assert len(keys) > 200, "the scan found too few text keys to mean anything"
    missing = sorted(k for k in keys if k not in catalog)
    assert not missing, f"text keys used but not defined: {missing}"
    for key in keys:
        for language in ("ru", "en"):
            assert catalog[key].get(language, "").strip(), f"{key} has no {language} text"
    for prefix in prefixes:
        assert any(k.startswith(prefix) for k in catalog), f"no text key starts with {prefix!r}"


def test_the_mini_apps_python_is_scanned_for_chat_text_keys() -> None:
    """The scan above reaches bot/web (a key built there, ``funnel_…``, is checked)."""
    web = {m: t for m, t in SOURCES.items() if m.startswith("bot.web")}
    assert "bot.web.data" in web
    found = {
        _constant(call.args[0].values[0])  # type: ignore[attr-defined]
        for call in calls(web["bot.web.data"])
        if _is_texts(call.func) and call.args and isinstance(call.args[0], ast.JoinedStr)
    }
    assert "funnel_" in found
    assert "funnel_" in used_text_keys()[1]


# the Mini App's own catalog (bot/web/texts.py), used by its scripts -------------------------

STATIC = BOT / "web" / "static"
# t("key"), t("prefix" + …), t(expression): the first argument of each call of the page's t()
PAGE_CALL = re.compile(r"(?<![\w.])t\(\s*([^,)]+)")
PAGE_PREFIX = re.compile(r'^"([a-z_]+)"\s*\+')
PAGE_LITERAL = re.compile(r'^"([a-z_]+)"$')


def page_dynamic_keys() -> dict[str, set[str]]:
    """The keys each non-literal argument of t() in the page's scripts can hold, from the
    lists it is built from. A new such call fails the test until it is listed here."""
    from bot.analytics.models import DAILY_SERIES
    from bot.web.data import RECIPIENT_STATES
    from bot.web.routes import CONTROL_ACTIONS

    script = page_script()
    figure_cards = set(re.findall(r'figureCard\("([a-z_]+)"', script))
    return {
        "key": set(),  # t's own definition (core.js)
        "action": set(CONTROL_ACTIONS),  # a live broadcast's buttons
        "s": set(RECIPIENT_STATES) | set(DAILY_SERIES),  # a recipients filter; a daily series
        "pair[0]": set(RECIPIENT_STATES),  # a broadcast's counts
        "p.status": set(RECIPIENT_STATES),  # a recipient's status
        "labelKey": figure_cards,  # the overview's figure cards
    }


def page_script() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in sorted(STATIC.glob("*.js")))


def page_text_keys() -> tuple[set[str], set[str], set[str]]:
    """Keys the page's scripts use, prefixes of keys they build, and t()'s other arguments."""
    from bot.analytics.models import LEAD_TIERS

    script = page_script()
    keys: set[str] = set()
    prefixes: set[str] = set()
    dynamic: set[str] = set()
    for argument in (a.strip() for a in PAGE_CALL.findall(script)):
        if literal := PAGE_LITERAL.match(argument):
            keys.add(literal.group(1))
        elif prefix := PAGE_PREFIX.match(argument):
            prefixes.add(prefix.group(1))
        else:
            dynamic.add(argument)
    keys.update(re.findall(r"\btexts\.([a-z_]+)", script))  # me.texts.title
    views = re.search(r"VIEWS = \[(.*?)\]", script, re.DOTALL)
    assert views is not None, "app.js lists its tabs in VIEWS"
    keys |= {f"tab_{name}" for name in re.findall(r'"([a-z]+)"', views.group(1))}
    keys |= {f"tier_{tier}" for tier in LEAD_TIERS}
    for argument in dynamic & page_dynamic_keys().keys():
        keys |= page_dynamic_keys()[argument]
    return keys, prefixes, dynamic


def test_every_text_key_the_page_uses_exists_in_both_languages() -> None:
    from bot.web.texts import CATALOG

    keys, prefixes, dynamic = page_text_keys()
    assert len(keys) > 60, "the scan found too few of the page's text keys to mean anything"
    unlisted = sorted(dynamic - page_dynamic_keys().keys())
    assert not unlisted, f"t() called with arguments whose keys nobody listed: {unlisted}"
    missing = sorted(k for k in keys if k not in CATALOG)
    assert not missing, f"page text keys used but not defined in bot/web/texts.py: {missing}"
    for prefix in prefixes:
        assert any(k.startswith(prefix) for k in CATALOG), f"no page text key starts {prefix!r}"
    for key, variants in CATALOG.items():
        assert set(variants) == {"ru", "en"}, f"{key} needs exactly ru and en"
        for language in ("ru", "en"):
            assert variants[language].strip(), f"{key} has no {language} text"


def test_the_page_key_scan_sees_what_it_must() -> None:
    """A literal, a built prefix and every kind of non-literal argument are found."""
    keys, prefixes, dynamic = page_text_keys()
    assert {"before_after", "title", "tab_overview", "tier_hot", "pause", "sent"} <= keys
    assert {"tab_", "tier_"} <= prefixes
    assert dynamic == page_dynamic_keys().keys()


# import direction ---------------------------------------------------------------------------


def imports(module: str, tree: ast.AST) -> set[str]:
    """The ``bot`` modules ``module`` imports anywhere: in functions, under TYPE_CHECKING."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            base = node.module
            if node.level:
                package = module.split(".")[: -node.level or None]
                base = ".".join([*package, node.module])
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.add(submodule if submodule in SOURCES else base)
    return {name for name in found if name == "bot" or name.startswith("bot.")}


def test_domain_code_never_imports_telegram_or_sandbox() -> None:
    domain = [m for m in SOURCES if m.startswith(DOMAIN)]
    assert len(domain) > 20
    leaks = {
        module: sorted(
            i
            for i in imports(module, SOURCES[module])
            if i.startswith(("bot.telegram", "bot.sandbox"))
        )
        for module in domain
    }
    assert not {m: i for m, i in leaks.items() if i}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles_among_bot_modules() -> None:
    """Not at run time, and not in type annotations either: both mean the layers are tangled."""
    graph = {
        module: {i for i in imports(module, tree) if i in SOURCES} - {module}
        for module, tree in SOURCES.items()
    }
    assert sum(len(targets) for targets in graph.values()) > 200
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    """The check above can fail: a planted a → b → c → a is reported."""
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
