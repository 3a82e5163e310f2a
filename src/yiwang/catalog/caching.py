"""Per-process caches of the public reads — item JSON, guide pages, search answers — valid for
one catalogue generation (catalog.generation). Every request reads the generation token (one
primary-key query); an entry made under another token is never served, so a published version,
a suspension or a synonym change shows at once in every worker, with no message between them.

Each cache keeps at most YIWANG_PUBLIC_CACHE_ENTRIES entries, least recently used out first;
0 switches caching off. What may be cached, and under which key, is decided by the views (only
answers that are the same for every anonymous visitor: see guide_views and api/views).
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from django.conf import settings
from django.contrib.messages import get_messages
from django.http import HttpRequest
from django.middleware.csrf import get_token

from yiwang.catalog import generation

V = TypeVar("V")
DEFAULT_ENTRIES = 1000

# Rendered into cached pages in place of the visitor's CSRF token, which is put in per request.
# Letters and digits only, so template escaping never alters it.
CSRF_PLACEHOLDER = "yiwangcsrf" + secrets.token_hex(16)


def max_entries() -> int:
    return int(getattr(settings, "YIWANG_PUBLIC_CACHE_ENTRIES", DEFAULT_ENTRIES))


class GenerationCache(Generic[V]):
    """An LRU map from key to value for one generation token; a new token empties it."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._token: str | None = None
        self._entries: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_compute(
        self, key: Hashable, compute: Callable[[], V | None], *, token: str | None = None
    ) -> V | None:
        """The value for `key` under the current generation, computed (and kept, unless it is
        None) on a miss. `token`: the generation already read for this request."""
        limit = max_entries()
        if limit <= 0:
            return compute()
        if token is None:
            token = generation.current()
            if token is None:
                return compute()
        with self._lock:
            if token != self._token:
                self._entries.clear()
                self._token = token
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return value
            self.misses += 1
        # Computed after the token was read: a change committed in between only makes this
        # entry newer than its token, never older.
        value = compute()
        if value is not None:
            with self._lock:
                if token == self._token:
                    self._entries[key] = value
                    while len(self._entries) > limit:
                        self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._token = None
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)


item_json: GenerationCache[bytes] = GenerationCache("item_json")
guide_html: GenerationCache[str] = GenerationCache("guide_html")
search_json: GenerationCache[bytes] = GenerationCache("search_json")
CACHES = (item_json, guide_html, search_json)


def clear_all() -> None:
    """Empty every cache of this process (tests; the generation makes this unnecessary)."""
    for cache in CACHES:
        cache.clear()


def is_anonymous_plain_get(request: HttpRequest) -> bool:
    """The request is a visitor's plain page view that every anonymous visitor would see alike:
    GET or HEAD, no query string, not signed in, no flash messages waiting."""
    if request.method not in {"GET", "HEAD"} or request.META.get("QUERY_STRING"):
        return False
    user = getattr(request, "user", None)
    if user is None or user.is_authenticated:
        return False
    return not len(get_messages(request))


def fill_csrf(html: str, request: HttpRequest) -> str:
    """Put this visitor's CSRF token where the cached page has the placeholder (get_token also
    makes the middleware set the CSRF cookie, as rendering the token would have)."""
    if CSRF_PLACEHOLDER not in html:
        return html
    return html.replace(CSRF_PLACEHOLDER, get_token(request))
