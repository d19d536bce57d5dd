"""Telegram's HTML parse mode: text with tags → plain text + message entities.

Modelled on tdlib's ``parse_html`` so that the stand-in rejects exactly what Telegram rejects,
with the same reasons ("Unsupported start tag \"div\" at byte offset 0", ...). Entity offsets
and lengths are in UTF-16 code units, as in the Bot API.
"""

from __future__ import annotations

import re
from typing import Any

ALLOWED_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
_SIMPLE_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "u": "underline",
    "ins": "underline",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "code": "code",
}
_PLAIN = re.compile(r"[^<&]+")
_ENTITY = re.compile(r"&(?:#[xX]([0-9a-fA-F]+)|#([0-9]+)|([a-zA-Z]+));?")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_NAME_TOKEN = re.compile(r"[A-Za-z0-9.-]*")


class EntityParseError(ValueError):
    """The text is not valid Telegram HTML; ``str(error)`` is Telegram's reason."""


def utf16_len(text: str) -> int:
    """Return the length of ``text`` in UTF-16 code units (the Bot API's unit)."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def _decode_entity(text: str, pos: int) -> tuple[str, int] | None:
    match = _ENTITY.match(text, pos)
    if match is None:
        return None
    hex_code, dec_code, name = match.groups()
    if name is not None:
        if name not in _NAMED:
            return None
        return _NAMED[name], match.end()
    code = int(hex_code, 16) if hex_code is not None else int(dec_code)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code), match.end()


class _Open:
    __slots__ = ("argument", "expandable", "language", "offset", "tag")

    def __init__(self, tag: str, argument: str, offset: int, expandable: bool) -> None:
        self.tag = tag
        self.argument = argument
        self.offset = offset
        self.expandable = expandable
        self.language = ""


def parse_html(text: str, *, strict_ampersand: bool = False) -> tuple[str, list[dict[str, Any]]]:
    """Render Telegram HTML to ``(plain_text, entities)`` or raise EntityParseError.

    Like Telegram, a bare ``&`` that starts no known entity is kept literally; with
    ``strict_ampersand`` it is rejected instead (useful to catch unescaped user input).
    """
    out: list[str] = []
    length = 0  # UTF-16 length of the output so far
    stack: list[_Open] = []
    entities: list[dict[str, Any]] = []
    size = len(text)
    i = 0

    def offset_of(pos: int) -> int:
        return len(text[:pos].encode("utf-8"))

    while i < size:
        plain = _PLAIN.match(text, i)
        if plain is not None:
            chunk = plain.group()
            out.append(chunk)
            length += utf16_len(chunk)
            i = plain.end()
            continue
        if text[i] == "&":
            decoded = _decode_entity(text, i)
            if decoded is None:
                if strict_ampersand:
                    msg = f'Unescaped "&" at byte offset {offset_of(i)}'
                    raise EntityParseError(msg)
                out.append("&")
                length += 1
                i += 1
            else:
                out.append(decoded[0])
                length += utf16_len(decoded[0])
                i = decoded[1]
            continue
        begin = i
        if i + 1 < size and text[i + 1] == "/":
            i = _close_tag(text, begin, stack, entities, length, offset_of)
        else:
            opened, i = _open_tag(text, begin, length, offset_of)
            stack.append(opened)
    if stack:
        msg = f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"'
        raise EntityParseError(msg)
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _skip_spaces(text: str, i: int) -> int:
    size = len(text)
    while i < size and text[i].isspace():
        i += 1
    return i


def _open_tag(text: str, begin: int, length: int, offset_of: Any) -> tuple[_Open, int]:
    size = len(text)
    i = begin + 1
    while i < size and not text[i].isspace() and text[i] != ">":
        i += 1
    if i >= size:
        raise EntityParseError(f"Unclosed start tag at byte offset {offset_of(begin)}")
    tag = text[begin + 1 : i].lower()
    if tag not in ALLOWED_TAGS:
        msg = f'Unsupported start tag "{tag}" at byte offset {offset_of(begin)}'
        raise EntityParseError(msg)
    argument = ""
    expandable = False
    while True:
        i = _skip_spaces(text, i)
        if i >= size:
            raise EntityParseError(f"Unclosed start tag at byte offset {offset_of(begin)}")
        if text[i] == ">":
            break
        name_start = i
        while i < size and not text[i].isspace() and text[i] not in "=>":
            i += 1
        name = text[name_start:i].lower()
        if not name:
            msg = f'Empty attribute name in the tag "{tag}" at byte offset {offset_of(begin)}'
            raise EntityParseError(msg)
        i = _skip_spaces(text, i)
        if i >= size or text[i] != "=":
            if tag == "blockquote" and name == "expandable":
                expandable = True
                continue
            msg = (
                "Expected equal sign in declaration of an attribute of the tag "
                f'"{tag}" at byte offset {offset_of(begin)}'
            )
            raise EntityParseError(msg)
        i = _skip_spaces(text, i + 1)
        if i >= size:
            raise EntityParseError(f"Unclosed start tag at byte offset {offset_of(begin)}")
        value, i = _attribute_value(text, i, offset_of)
        if tag == "a" and name == "href":
            argument = value
        elif tag == "code" and name == "class" and value.startswith("language-"):
            argument = value[len("language-") :]
        elif (tag == "span" and name == "class") or (tag == "tg-emoji" and name == "emoji-id"):
            argument = value
    if tag == "span" and argument != "tg-spoiler":
        msg = f'Tag "span" must have class "tg-spoiler" at byte offset {offset_of(begin)}'
        raise EntityParseError(msg)
    return _Open(tag, argument, length, expandable), i + 1


def _attribute_value(text: str, i: int, offset_of: Any) -> tuple[str, int]:
    size = len(text)
    quote = text[i]
    if quote not in "'\"":
        token = _NAME_TOKEN.match(text, i)
        assert token is not None  # the pattern matches the empty string
        end = token.end()
        if end < size and not text[end].isspace() and text[end] != ">":
            raise EntityParseError(f"Unexpected end of name token at byte offset {offset_of(i)}")
        return token.group().lower(), end
    value: list[str] = []
    i += 1
    while i < size and text[i] != quote:
        if text[i] == "&" and (decoded := _decode_entity(text, i)) is not None:
            value.append(decoded[0])
            i = decoded[1]
        else:
            value.append(text[i])
            i += 1
    return "".join(value), i + 1


def _close_tag(
    text: str,
    begin: int,
    stack: list[_Open],
    entities: list[dict[str, Any]],
    length: int,
    offset_of: Any,
) -> int:
    size = len(text)
    if not stack:
        raise EntityParseError(f"Unexpected end tag at byte offset {offset_of(begin)}")
    i = begin + 2
    while i < size and not text[i].isspace() and text[i] != ">":
        i += 1
    name = text[begin + 2 : i].lower()
    i = _skip_spaces(text, i)
    if i >= size or text[i] != ">":
        raise EntityParseError(f"Unclosed end tag at byte offset {offset_of(begin)}")
    opened = stack.pop()
    if name and name != opened.tag:
        msg = (
            f"Unmatched end tag at byte offset {offset_of(begin)}, "
            f'expected "</{opened.tag}>", found "</{name}>"'
        )
        raise EntityParseError(msg)
    entity_length = length - opened.offset
    if entity_length > 0:
        entity = _entity(opened, stack)
        if entity is not None:
            entity["offset"] = opened.offset
            entity["length"] = entity_length
            entities.append(entity)
    return i + 1


def _entity(opened: _Open, stack: list[_Open]) -> dict[str, Any] | None:
    tag = opened.tag
    if tag == "code" and opened.argument and stack and stack[-1].tag == "pre":
        stack[-1].language = opened.argument  # <pre><code class="language-x"> is one entity
        return None
    if tag in _SIMPLE_TYPES:
        return {"type": _SIMPLE_TYPES[tag]}
    if tag == "a":
        return {"type": "text_link", "url": opened.argument} if opened.argument else None
    if tag == "pre":
        return {"type": "pre", "language": opened.language} if opened.language else {"type": "pre"}
    if tag == "blockquote":
        return {"type": "expandable_blockquote" if opened.expandable else "blockquote"}
    if tag == "tg-emoji" and opened.argument:
        return {"type": "custom_emoji", "custom_emoji_id": opened.argument}
    return None
