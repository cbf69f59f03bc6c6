"""Analytics: the QuickSight equivalent (directory, access keys; later provisioning, assets).

It learns about identities only through Identity Center's domain events, never by
reading the identity tables.
"""
