"""The audit trail: the hash chain, domain events (every service leaves its own), field history with
its masking and origin, the access log and case timeline, retention and subject access requests."""
