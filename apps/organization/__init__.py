"""Organisation: the tenant's legal entities, cost centers, spend categories and budgets."""
