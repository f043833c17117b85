"""``python -m cloudfront_origin_lockdown.audit``: see :mod:`.cli`."""

from .cli import main

if __name__ == "__main__":
    main()
