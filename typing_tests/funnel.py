"""
Checked by mypy, never run: the funnel's values are frozen and typed.

Each ``type: ignore`` below must be needed: mypy's strict mode reports an
unused one, so a value that became mutable fails the type check.
"""

import datetime as dt

from convroute.config import load_config
from convroute.funnel import (
    FunnelMessage,
    FunnelOutcome,
    FunnelReport,
    FunnelTracker,
    IgnoredReason,
    MetaEvent,
    OpportunityBoard,
    OpportunityMove,
    Transition,
    funnel_progress,
    funnel_report,
    move_opportunities,
)
from convroute.model import Phone


config = load_config("account.toml")
tracker = FunnelTracker.from_funnels(config.funnels)
message = FunnelMessage(
    id="wamid.1",
    lead=Phone("919800000001"),
    number=Phone("918040001234"),
    text="I came from Instagram",
    at=dt.datetime(2026, 11, 2, tzinfo=dt.UTC),
)
outcomes: tuple[FunnelOutcome, ...] = tracker.incoming(message, [])
records: list[Transition] = [o.transition for o in outcomes if o.transition is not None]
reasons: list[IgnoredReason | None] = [o.reason for o in outcomes]
records[0].to_stage = "Won"  # type: ignore[misc]
message.text = "changed"  # type: ignore[misc]

board = OpportunityBoard.from_types(config.opportunity_types)
moves: tuple[OpportunityMove, ...] = move_opportunities(board, records[0], [])
event: MetaEvent = tracker.meta_event(
    records[0], records, settings=config.meta, now=dt.datetime(2026, 11, 2, tzinfo=dt.UTC)
)
event.reason = None  # type: ignore[misc]

report: FunnelReport = funnel_report(funnel_progress(config.funnels[0], records))
entered: int = report.entered
report.rows = ()  # type: ignore[misc]
