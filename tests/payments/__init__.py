"""Money: bank details (modulus checks, non-standard account numbers), payments, batches and their
concurrency, the bank's files (CSV, BACS, pain.001) and their streaming, returns, budgets, finance pages."""
