"""Headers as a plain dict, read once per message: mitmproxy's Headers is a case-insensitive multidict whose
lookups cost microseconds each, and a flow is read dozens of times on its trip through observe and detect."""

from __future__ import annotations


class HeaderMap(dict):
    """Lower-case header name -> list of values (as str, latin-1/utf-8 as mitmproxy decodes them)."""

    def get1(self, name: str, default: str | None = None) -> str | None:
        """The first value of ``name`` (lower-case), or ``default``."""
        values = self.get(name)
        return values[0] if values else default


def header_map(headers) -> HeaderMap:
    out = HeaderMap()
    for name, value in headers.fields:
        key = name.decode("latin-1").lower()
        text = value.decode("utf-8", "surrogateescape")
        if key in out:
            out[key].append(text)
        else:
            out[key] = [text]
    return out
