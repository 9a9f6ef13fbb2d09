"""Programmes as plain data: what /programme shows and what adding workshops did."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ProgrammeWorkshopView:
    title: str
    join_code: str


@dataclass(frozen=True)
class ProgrammeView:
    code: str
    title: str
    workshops: tuple[ProgrammeWorkshopView, ...]


@dataclass(frozen=True)
class ProgrammeChange:
    """What ``/programme add`` (or ``remove``) did: the programme as it now stands, the
    codes added (or removed) and those that were already there (or not there)."""

    programme: ProgrammeView
    changed: tuple[str, ...]
    unchanged: tuple[str, ...]
