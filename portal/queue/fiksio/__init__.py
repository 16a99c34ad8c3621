"""Delivery of the back-office queue over KS Fiks IO (docs/fiks-io.md).

Fiks IO is the municipal sector's message bus: a message is POSTed to Fiks IO's send endpoint
as an encrypted, signed ASiC-E container, Fiks IO puts it on the receiving account's AMQP queue
(``fiksio.konto.<id>``), and the receiver answers on ours. The outbox stays the one source of
truth: a message is leased while it travels and acknowledged only when the receiver says it
got it (``…mottatt.v1``); Fiks IO's ``tidsavbrudd`` and ``serverfeil`` send it again later, with
the same ``klientMeldingId``, until the queue dead-letters it.

- ``protocol``: message types, headers, queue names (the contract, documented and versioned)
- ``accounts``: a municipality's Fiks IO account and where its secrets are
- ``maskinporten``: the access token (JWT grant), cached until it expires
- ``cms``, ``asice``: the container, its CAdES signature and CMS encryption
- ``catalogue``: the receiving account's public certificate
- ``sending``: the worker job that sends due messages
- ``receiving``: the worker job that consumes our account's queue (receipts, status events)
"""
