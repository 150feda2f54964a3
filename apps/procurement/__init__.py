"""Procurement: requisitions and their lines, submission through the approval policy and the
budget, and the purchase orders issued on final approval."""
