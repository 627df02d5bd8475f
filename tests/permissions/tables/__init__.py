"""Per-app rows of the permission matrix (one module per app, merged into the one table).

Each module defines `ROWS: dict[str, list[Check]]` (URL name → checks) and may define
`extend_world(world: World) -> None` to add its objects to `world.extra` before the calls.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def table_modules() -> list[ModuleType]:
    return [importlib.import_module(f"{__name__}.{m.name}") for m in pkgutil.iter_modules(__path__)]
