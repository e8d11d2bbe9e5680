"""The errors accord raises; the CLI turns each into a one-line message."""


class AccordError(Exception):
    """Base class: anything accord reports to a user as a clear message."""


class InputError(AccordError):
    """An input could not be read; the message names the file (and line) and the reason."""


class VocabError(AccordError):
    """A vocabulary file is malformed; the message names the file and the key."""


class StoreError(AccordError):
    """The SQLite store could not be opened or written."""
