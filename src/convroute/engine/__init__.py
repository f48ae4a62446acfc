"""
The engine: what an event changes and which actions it yields.

`Engine.from_config` compiles an account's setup once; `Engine.decide`
takes a `Snapshot` of the stored state, an event and ``now``, and returns
an `Outcome`: the `Change`s to store and the `Action`s for the host.  Pure:
no I/O, no clock.  `convroute.service` is the shell around it.
"""

from convroute.engine._actions import (
    Action,
    Assign,
    CreateOpportunity,
    EmitMetaEvent,
    EnterFunnel,
    MoveInFunnel,
    MoveOpportunity,
    Reassign,
    ReassignReason,
    Send,
    TraceEntry,
    TransitionDeleted,
    Unassign,
    Unrouted,
    UnroutedReason,
    action_json,
)
from convroute.engine._changes import (
    AddTransition,
    AdvanceTick,
    Change,
    ConversationContext,
    Outcome,
    RemoveOpportunity,
    RemoveTransitions,
    SaveAwaySince,
    SaveConversation,
    SaveLead,
    SaveOpportunity,
    SavePresence,
    SaveTurn,
    SaveUser,
    Snapshot,
)
from convroute.engine._engine import Engine
from convroute.engine._events import (
    CAPTIONED_MEDIA,
    CloseConversation,
    DeleteOpportunity,
    DeleteTransition,
    Event,
    IncomingMessage,
    Media,
    MediaKind,
    OutgoingMessage,
    SetPresence,
    SetStage,
    Tick,
    UpdateLead,
    UpdateOpportunity,
    UpdateUser,
)
from convroute.engine._waiting_pass import RulePass
from convroute.funnel import AdReferral
from convroute.menus import REPROMPT_HINT


__all__ = [
    "CAPTIONED_MEDIA",
    "REPROMPT_HINT",
    "Action",
    "AdReferral",
    "AddTransition",
    "AdvanceTick",
    "Assign",
    "Change",
    "CloseConversation",
    "ConversationContext",
    "CreateOpportunity",
    "DeleteOpportunity",
    "DeleteTransition",
    "EmitMetaEvent",
    "Engine",
    "EnterFunnel",
    "Event",
    "IncomingMessage",
    "Media",
    "MediaKind",
    "MoveInFunnel",
    "MoveOpportunity",
    "Outcome",
    "OutgoingMessage",
    "Reassign",
    "ReassignReason",
    "RemoveOpportunity",
    "RemoveTransitions",
    "RulePass",
    "SaveAwaySince",
    "SaveConversation",
    "SaveLead",
    "SaveOpportunity",
    "SavePresence",
    "SaveTurn",
    "SaveUser",
    "Send",
    "SetPresence",
    "SetStage",
    "Snapshot",
    "Tick",
    "TraceEntry",
    "TransitionDeleted",
    "Unassign",
    "Unrouted",
    "UnroutedReason",
    "UpdateLead",
    "UpdateOpportunity",
    "UpdateUser",
    "action_json",
]
