"""The supported functions, one module per QuickSight family."""
