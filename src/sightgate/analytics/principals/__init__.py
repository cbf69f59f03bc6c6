"""Who a principal is now: the analytics user, their role, namespace and groups, read in a
bounded number of statements; the base of every access decision."""
