"""Turning an article file's bytes into text, or saying why they are not text.

UTF-8 is expected; a byte-order mark picks UTF-16 or UTF-32, and bytes that can only be Western
European text are read as cp1252 or Latin-1 with a note. Anything else is refused with a guess
at what it is (a PDF, an image, a code page), so the user knows what to convert. Every format
that reads text gets it from :func:`decode_article`, so all of them accept and refuse the same
bytes.
"""

from __future__ import annotations

import codecs
import re

__all__ = ["decode_article", "western_encoding"]

_BOMS = (
    # UTF-32's little-endian mark begins with UTF-16's, so it is tried first.
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
)
_MAGIC = (
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (a .docx or .odt is one too)"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x7fELF", "a program"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"{\\rtf", "an RTF document"),
)


def decode_article(data: bytes) -> tuple[str | None, str]:
    """The text of an article file's bytes and a note on how it was read, or None and the
    reason it cannot be read as text.

    UTF-8 is expected (with or without a byte-order mark); UTF-16 and UTF-32 are read when a
    byte-order mark says which they are, as Windows editors write them. Bytes that are not
    UTF-8 are read as cp1252 (or Latin-1) only when that is sure to give the right characters
    (see :func:`western_encoding`); the note then says so. Anything else is refused with a
    guess at what it is, so the user knows what to convert.

    Returns:
        ``(text, "")``; ``(text, note)`` when the text was read as a legacy encoding; or
        ``(None, reason)``.

    Example:
        >>> decode_article("Title\\nBody".encode("utf-16"))
        ('Title\\nBody', '')
        >>> text, note = decode_article("“Café” prices\\n".encode("cp1252"))
        >>> text, note.split(";")[0]
        ('“Café” prices\\n', 'read as cp1252 (Windows Western European), not UTF-8')
        >>> decode_article(b"%PDF-1.7 ...")[1]
        'a PDF document, not text (save the article as a .txt file)'
    """
    note = ""
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError as exc:
                return None, f"not valid {name} text (bad bytes at offset {exc.start})"
            break
    else:
        for magic, what in _MAGIC:
            if data.startswith(magic):
                return None, f"{what}, not text (save the article as a .txt file)"
        head = data[:8192]
        if b"\x00" in head:
            return None, f"binary file (contains NUL bytes){_utf16_hint(head)}"
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            control = _CONTROL_BYTE.search(data)
            if control is not None:
                # Text has no such bytes in any encoding this could be in; naming one would
                # only send the user converting a file that is not an article.
                found = f"control byte 0x{control.group().hex()} at offset {control.start()}"
                return None, f"binary file (holds {found})"
            western = western_encoding(data)
            if western is None:
                bad = data[exc.start : exc.start + 1].hex()
                return None, (
                    f"not UTF-8 text (byte 0x{bad} at offset {exc.start}){_encoding_hint(data)}; "
                    "save it as UTF-8"
                )
            text = data.decode(western)
            note = (
                f"read as {western} ({_WESTERN_NAMES[western]}), not UTF-8; "
                "save it as UTF-8 to be sure of its characters"
            )
    if "\x00" in text:
        return None, "binary file (contains NUL characters)"
    if not text.strip():
        return None, "empty file"
    return text, note


def _utf16_hint(head: bytes) -> str:
    # Text in UTF-16 without a byte-order mark has a NUL beside nearly every ASCII letter.
    even, odd = head[0::2], head[1::2]
    if len(head) >= 8 and odd.count(0) > 0.8 * len(odd) and even.count(0) < 0.2 * len(even):
        return "; it looks like UTF-16 without a byte-order mark"
    if len(head) >= 8 and even.count(0) > 0.8 * len(even) and odd.count(0) < 0.2 * len(odd):
        return "; it looks like big-endian UTF-16 without a byte-order mark"
    return ""


# Control characters other than tab, line feed, form feed and carriage return: text has none,
# binary files have many.
_CONTROL_BYTE = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_CONTROL_CHAR = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
# The non-ASCII characters of Western European text in cp1252: the letters of French, German,
# Spanish, Portuguese, Italian, Dutch, Catalan and the Nordic languages but Icelandic, and the
# punctuation and signs editors type (curly quotes, dashes, … € £ ° ½). Left out on purpose are
# characters that other encodings' letters turn into when their bytes are read as cp1252 and
# that little else uses: Turkish dotless i, ş, ğ (cp1254) show as ý þ ð (which keeps out Czech
# and Slovak too, whose ý comes with ř č ě shown as ø è ì), Mac Roman's é ü ä ö as Ž Ÿ Š š,
# Latin-9's € as ¤. A file holding any of them is refused with a hint instead.
_WESTERN_LETTERS = "ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜßàáâãäåæçèéêëìíîïñòóôõöøùúûüÿŒœ"
_WESTERN_SIGNS = "\u00a0\u00ad‘’‚“”„‹›«»–—…•·€£¥¢©®™°±×÷§¶½¼¾¹²³ªºµ¡¿†‡‰"
_NOT_WESTERN = re.compile(f"[^\t\n\f\r -~{re.escape(_WESTERN_LETTERS + _WESTERN_SIGNS)}]")
# A capital right after a small letter ("cafŽ", "MŸller", "cafÃ©") is another encoding read
# wrongly (Mac Roman, or UTF-8 read as cp1252), not a word.
_CAPITAL_INSIDE = re.compile(r"[a-zß-öø-ÿœ][À-ÖØ-ÜŒ]")
# Inside a word only apostrophes, the Catalan middle dot (l·l) and a soft hyphen stand; a sign
# between two letters is a letter of another encoding ("Za¿ó³æ" is Polish in cp1250).
_SIGN_INSIDE = re.compile(
    "[^\\W\\d_][{}][^\\W\\d_]".format(
        re.escape("".join(ch for ch in _WESTERN_SIGNS if ch not in "‘’·\u00ad"))
    )
)
_CP1252_ONLY = re.compile(rb"[\x80-\x9f]")
_WESTERN_NAMES = {"cp1252": "Windows Western European", "latin-1": "ISO-8859-1"}


def western_encoding(data: bytes) -> str | None:
    """``"cp1252"`` or ``"latin-1"`` when bytes that are not UTF-8 are surely Western European
    text in that encoding; None when that is not sure.

    Sure means all of: the bytes decode under cp1252 (whose printable characters include all
    of Latin-1's), the text holds no control character, charset-normalizer finds the cp1252
    reading free of mess (its chaos measure under its own threshold: no runs of accented
    capitals or symbols that real text does not have), and every character is one Western
    European text uses, with no capital after a small letter and no sign between two letters
    (the marks of another encoding read wrongly). charset-normalizer's own best guess is not
    used here: on a short Western text it is often a Central European or DOS code page
    (``mac_latin2``, ``cp775``) that gives the same bytes other letters.

    Bytes 0x80-0x9F are C1 control codes in Latin-1 and punctuation in cp1252 (“ ” dashes), so
    a file with any is cp1252; without them the two read the same and the file is called
    Latin-1 (ISO-8859-1).

    Example:
        >>> western_encoding("“Café Müller”".encode("cp1252"))
        'cp1252'
        >>> western_encoding("Café Müller".encode("latin-1"))
        'latin-1'
        >>> western_encoding("Привет, мир".encode("cp1251")) is None
        True
    """
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:  # 0x81, 0x8D, 0x8F, 0x90, 0x9D mean nothing in cp1252
        return None
    if (
        _CONTROL_CHAR.search(text)
        or _NOT_WESTERN.search(text)
        or _CAPITAL_INSIDE.search(text)
        or _SIGN_INSIDE.search(text)
    ):
        return None
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - a dependency; without it nothing is guessed
        return None
    if from_bytes(data, cp_isolation=["cp1252"]).best() is None:
        return None
    return "cp1252" if _CP1252_ONLY.search(data) else "latin-1"


def _encoding_hint(data: bytes) -> str:
    """The hint naming the code pages that read ``data`` best ("; it may be cp1250 or cp1254")."""
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - a dependency, but only a hint depends on it
        return ""
    matches = from_bytes(data[:65536])
    best = matches.best()
    if best is None or best.encoding in ("utf_8", "ascii"):
        return ""
    # A short text often reads as cleanly (same chaos) and about as coherently (language
    # fit within 0.1) in several code pages, and charset-normalizer then picks one by a
    # language guess that is often wrong ("mac_latin2" for French). Each is as likely, so up to
    # three are named, Windows code pages first: those are what editors wrote articles in.
    # Code pages that give the same text are named as cp1252 when it is among them.
    names = [
        "cp1252" if "cp1252" in match.could_be_from_charset else match.encoding
        for match in matches
        if match.chaos <= best.chaos and match.coherence >= best.coherence - 0.1
    ]
    likely = sorted(dict.fromkeys(names), key=lambda name: not name.startswith("cp125"))[:3]
    shown = [name.replace("_", "-") for name in likely]
    listed = shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} or {shown[-1]}"
    return f"; it may be {listed}"
