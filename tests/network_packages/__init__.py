"""Network support packages: ending and pausing a package, and the register of suppliers paid
as payees."""
