"""
Funnel: conversion tracking from trigger phrases to Meta events.

`FunnelTracker` turns messages and manual moves into `Transition` records;
`move_opportunities` carries them onto the opportunity board; `meta_event`
builds Conversions API payloads; `funnel_progress`, `funnel_report` and
`cohort_report` count over the records; `render_funnel` and
`render_cohorts` lay them out as text, `funnel_chart` and `cohort_chart`
(the ``charts`` extra) draw them as picture bytes; `trigger_links` makes
click-to-chat links.  Pure: no I/O, no clock; `now` comes in as an argument,
and whoever wants a chart in a file writes the bytes there.  The first chart
drawn imports matplotlib, whose import reads its configuration and font
cache (and builds and writes that cache once, in a fresh environment).
"""

from convroute.funnel._ads import AdReferral
from convroute.funnel._board import OpportunityBoard, OpportunityMove, move_opportunities
from convroute.funnel._charts import ChartFormat, chart_format, cohort_chart, funnel_chart
from convroute.funnel._cohorts import (
    CohortCell,
    CohortPeriod,
    CohortReport,
    CohortRow,
    cohort_report,
)
from convroute.funnel._custom_data import (
    PURCHASE,
    ContentType,
    DeliveryCategory,
    MetaContent,
    MetaCustomData,
    custom_data_problems,
    event_value,
    parse_amount,
)
from convroute.funnel._keywords import KeywordHit, KeywordMatcher
from convroute.funnel._links import TriggerLink, click_to_chat_link, trigger_links
from convroute.funnel._matcher import PhraseMatch, TriggerMatcher
from convroute.funnel._meta import MetaEvent, MetaSkipReason, hash_phone, meta_event
from convroute.funnel._outcomes import FunnelMessage, FunnelOutcome, IgnoredReason
from convroute.funnel._records import (
    Cause,
    Deletion,
    FunnelPosition,
    Transition,
    current_position,
    delete_transition,
)
from convroute.funnel._reports import (
    FunnelProgress,
    FunnelReport,
    FunnelRow,
    ReportFilter,
    funnel_progress,
    funnel_report,
)
from convroute.funnel._settings import (
    AdSource,
    Funnel,
    MetaSettings,
    SourceType,
    Stage,
    Trigger,
)
from convroute.funnel._tables import render_cohorts, render_funnel
from convroute.funnel._tracker import FunnelTracker


__all__ = [
    "PURCHASE",
    "AdReferral",
    "AdSource",
    "Cause",
    "ChartFormat",
    "CohortCell",
    "CohortPeriod",
    "CohortReport",
    "CohortRow",
    "ContentType",
    "Deletion",
    "DeliveryCategory",
    "Funnel",
    "FunnelMessage",
    "FunnelOutcome",
    "FunnelPosition",
    "FunnelProgress",
    "FunnelReport",
    "FunnelRow",
    "FunnelTracker",
    "IgnoredReason",
    "KeywordHit",
    "KeywordMatcher",
    "MetaContent",
    "MetaCustomData",
    "MetaEvent",
    "MetaSettings",
    "MetaSkipReason",
    "OpportunityBoard",
    "OpportunityMove",
    "PhraseMatch",
    "ReportFilter",
    "SourceType",
    "Stage",
    "Transition",
    "Trigger",
    "TriggerLink",
    "TriggerMatcher",
    "chart_format",
    "click_to_chat_link",
    "cohort_chart",
    "cohort_report",
    "current_position",
    "custom_data_problems",
    "delete_transition",
    "event_value",
    "funnel_chart",
    "funnel_progress",
    "funnel_report",
    "hash_phone",
    "meta_event",
    "move_opportunities",
    "parse_amount",
    "render_cohorts",
    "render_funnel",
    "trigger_links",
]
