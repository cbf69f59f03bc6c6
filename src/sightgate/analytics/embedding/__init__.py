"""Embedding: embed URLs with one-time codes, and the embed sessions they open.

``GenerateEmbedUrlFor{Registered,Anonymous}User`` write a session (pending) with the
SHA-256 of a one-time code; the viewer redeems the code once, within 5 minutes, for a
session secret the page carries (never a cookie), and presents that secret with every
later request. Every data request of a registered user's session asks the authorizer
afresh, so a revocation in the identity store or the permissions is seen at once.
"""
