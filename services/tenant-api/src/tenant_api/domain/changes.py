"""What an edit changed, field by field, as the edit events carry it. No I/O.

Values are compared as JSON (`true` is not `1`, `1` is not `1.0`): what a client sent and what
a reader of the event sees are JSON, and a change Python's `==` would miss is still a change.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from typing import Any

from shared_schemas.events import Changes, SecretChange, ValueChange


def same(before: Any, after: Any) -> bool:
    """The two values are the same JSON value (object keys in any order)."""
    return _json(before) == _json(after)


def changes(
    before: Mapping[str, Any], after: Mapping[str, Any], *, secret: Collection[str] = ()
) -> Changes:
    """Each field whose value differs, with its `before` and `after` (None for a field one side
    lacks); a field named in `secret` shows only that it changed, never a value of it."""
    found: Changes = {}
    for name in [*before, *(name for name in after if name not in before)]:
        old, new = before.get(name), after.get(name)
        if same(old, new):
            continue
        if name in secret:
            found[name] = SecretChange(changed=True)
        else:
            found[name] = ValueChange(before=_plain(old), after=_plain(new))
    return found


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _plain(value: Any) -> Any:
    # Tuples become lists, as the event's JSON has them.
    return json.loads(_json(value))
