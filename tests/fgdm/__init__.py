"""Casework as practitioners run it: cases, children, the network, meetings, plans and
pre-proceedings, and who sees which case (scope, and access moving with the case and the team)."""
