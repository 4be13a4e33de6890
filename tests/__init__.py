"""The test suite: one folder per app (audit, fgdm, network_packages, payments, process) and one for
the rules that span them (rules/). Shared fixtures and helpers stay here: conftest.py, factories.py,
scenario.py (drive a case through the services), helpers.py (API, pages, files) and matrix_world.py."""
