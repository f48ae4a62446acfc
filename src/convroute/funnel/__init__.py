"""
Funnel: conversion tracking from trigger phrases to Meta events.

For now this holds how funnels are configured and how phrases are compared;
matching, tracking and reports come next.  Pure: no I/O, no clock.
"""

from convroute.funnel._matcher import PhraseMatch, TriggerMatcher
from convroute.funnel._settings import Funnel, MetaSettings, SourceType, Stage, Trigger
from convroute.funnel._text import find_emoji, fold


__all__ = [
    "Funnel",
    "MetaSettings",
    "PhraseMatch",
    "SourceType",
    "Stage",
    "Trigger",
    "TriggerMatcher",
    "find_emoji",
    "fold",
]
