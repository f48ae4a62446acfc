"""
Account names: the one check of a name that scopes what a store holds.

A store holds the state of any number of accounts (businesses), each kept
apart by its name; `DEFAULT_ACCOUNT` holds what a store held before it had
accounts.
"""

from __future__ import annotations

import unicodedata

from typing import Final

from convroute._frozen import unicode_text
from convroute.errors import AccountError, TextError


__all__ = ["DEFAULT_ACCOUNT", "MAX_ACCOUNT_LENGTH", "account_name"]

DEFAULT_ACCOUNT: Final = "default"
"""
The account of a service or unit of work that names none.
"""

MAX_ACCOUNT_LENGTH: Final = 64
"""
The longest account name, in characters, once stripped.
"""


def account_name(account: object) -> str:
    """
    The account *account* names: the text stripped of the whitespace around it, in NFC.

    ``" acme "`` and ``"acme"`` name one account, so that a stray space in
    a host's setting never splits a business in two; so do two names that
    differ only in Unicode form (``"café"`` with a composed ``é``, or an
    ``e`` and a combining accent, as some keyboards and files give it),
    which look alike wherever they are shown.

    Raises:
        AccountError: When *account* is not text, is blank, holds a control
            character or a lone surrogate, or is longer than
            `MAX_ACCOUNT_LENGTH` characters once stripped.
    """
    if not isinstance(account, str):
        raise AccountError(account, f"a name is text, not {type(account).__name__}")
    try:
        unicode_text(account)
    except TextError as error:
        raise AccountError(account, str(error)) from None
    name = unicodedata.normalize("NFC", account.strip())
    if not name:
        raise AccountError(account, "a name is not blank")
    if len(name) > MAX_ACCOUNT_LENGTH:
        raise AccountError(
            account, f"{len(name)} characters, more than the {MAX_ACCOUNT_LENGTH} a name may have"
        )
    if not name.isprintable():
        # A newline or an escape in a name would break the lines that show it.
        raise AccountError(
            account, "a name holds printable characters and spaces, no control character"
        )
    return name
