"""What the cache tests share: forgetting every gradient and module in memory, and the
codes of the warnings a test recorded."""

from adgen import AdgenWarning, api, cache


def forget():
    """As in a new process: no gradient or module in memory, no folder judged."""
    cache.forget()
    api._MEMO.clear()
    api._VARIANTS.clear()


def codes(record):
    return sorted({w.message.diagnostic.code for w in record if isinstance(w.message, AdgenWarning)})
