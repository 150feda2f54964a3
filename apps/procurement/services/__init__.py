"""Writes of procurement, one module per concern: numbers at the bottom, orders, then
requisitions (an approval issues the order) and receiving (goods receipts and returns)."""
