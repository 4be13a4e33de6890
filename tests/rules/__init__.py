"""The rules that span the apps (docs/rules.md): the permission matrix, separation of duties, rules
declared once, sign-in, the admin, and the whole path and its refusals through the pages and the API."""
