"""HTTP wiring shared by the routers: the request's session, who is calling, role checks,
path-id dependencies (deps), list pages and their sort (listing), Idempotency-Key handling.
Above `core`, `models` and `audit`; below every domain router (the routers are mounted by
`uanl.routes`)."""
