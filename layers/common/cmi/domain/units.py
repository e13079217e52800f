"""Undoing committed writes when what had to follow them (a mail) failed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from cmi.domain.ports import Services, UnitOfWork


@contextmanager
def undone_on_failure(services: Services, undo: Callable[[UnitOfWork], None]) -> Iterator[None]:
    """Run the block; if it raises, write what `undo` adds to a unit of work, then let the error go on."""
    try:
        yield
    except Exception:
        uow = services.unit_of_work()
        undo(uow)
        uow.commit()
        raise
