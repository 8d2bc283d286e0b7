"""The operators' workspace: what each operator keeps for their own way of working (saved
inbox views)."""
