"""SecantusDB's own command line with the TTL monitor off, for the test suite's server.

Tests stamp expiries from a clock they hold still (the ``clock`` fixture), while a TTL monitor deletes by
the server's wall clock: every 60 s it would delete documents a test still counts on (rate-limit buckets,
revocations, link codes, processed events). Expiry itself is the database's job; the suite checks that
each collection has its TTL index. SecantusDB's command line does not pass ``ttl_sweep_seconds`` on to the
server, so this sets it here and then runs that command line unchanged.
"""

import functools
import sys

import secantus.cli  # type: ignore[import-untyped]
import secantus.server  # type: ignore[import-untyped]

secantus.cli.SecantusDBServer = functools.partial(secantus.server.SecantusDBServer, ttl_sweep_seconds=0)
sys.exit(secantus.cli.main())
