"""GET /api/v1/reports/meetings/, /children/ and /spend/ (`?format=csv|xlsx`): DESIGN.md "Reports"."""

urlpatterns: list = []
