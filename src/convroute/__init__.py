"""
convroute: routing, menus and conversion tracking for WhatsApp CRMs.

A host builds one `Service` from an account's setup (`load_config` reads a
file, `loads_config` text), a store and a transport, and hands it each
event: a lead's `IncomingMessage` (or a whole webhook delivery, with
`Service.handle_webhook`), the business's `OutgoingMessage`, a `SetStage`
done by hand, and the CRM's `UpdateLead`, `UpdateOpportunity`,
`DeleteOpportunity`, `UpdateUser`, `SetPresence`, `CloseConversation` and
`DeleteTransition`; and, every minute or so, calls `Service.tick` (`Tick`,
`TickReport`) for what time brings::

    import datetime as dt
    import convroute
    from convroute.testing import MemoryStore, RecordingTransport

    config = convroute.load_config("examples/account.toml")
    service = convroute.Service(config, MemoryStore(), RecordingTransport())
    now = dt.datetime.now(dt.UTC)
    hello = convroute.IncomingMessage("wamid.1", now, "919800000001", "918040001234", "Hi")
    handled = service.handle(hello)  # handled.actions: what the transport was given

`convroute.testing` has the in-memory store and a transport that records;
`convroute.adapters` the SQLite and PostgreSQL stores.  `Engine` is the
pure decision the service wraps, for hosts that keep their own state.
"""

import logging

from convroute.config import Config, check_config, dump_config, load_config, loads_config
from convroute.engine import (
    AdReferral,
    CloseConversation,
    DeleteOpportunity,
    DeleteTransition,
    Engine,
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
from convroute.errors import (
    ConfigError,
    ConvrouteError,
    MenuError,
    MissingExtraError,
    PhoneNumberError,
    ReplyError,
    StoreConflictError,
    StoreError,
    StoreUnusableError,
    TextError,
    TimeRangeError,
    UnknownOutboxItemError,
    UnreadableRowError,
    WebhookError,
)
from convroute.model import (
    Lead,
    Opportunity,
    OpportunityStatus,
    OpportunityType,
    Phone,
    User,
    normalize_phone,
)
from convroute.service import Service, TickReport


__all__ = [
    "AdReferral",
    "CloseConversation",
    "Config",
    "ConfigError",
    "ConvrouteError",
    "DeleteOpportunity",
    "DeleteTransition",
    "Engine",
    "IncomingMessage",
    "Lead",
    "Media",
    "MediaKind",
    "MenuError",
    "MissingExtraError",
    "Opportunity",
    "OpportunityStatus",
    "OpportunityType",
    "OutgoingMessage",
    "Phone",
    "PhoneNumberError",
    "ReplyError",
    "Service",
    "SetPresence",
    "SetStage",
    "StoreConflictError",
    "StoreError",
    "StoreUnusableError",
    "TextError",
    "Tick",
    "TickReport",
    "TimeRangeError",
    "UnknownOutboxItemError",
    "UnreadableRowError",
    "UpdateLead",
    "UpdateOpportunity",
    "UpdateUser",
    "User",
    "WebhookError",
    "check_config",
    "dump_config",
    "load_config",
    "loads_config",
    "normalize_phone",
]

# A library's records go where the host's logging sends them, and nowhere
# when it configures none: no "no handlers could be found" warning.
logging.getLogger("convroute").addHandler(logging.NullHandler())
