"""How identity-store users map onto analytics users: the account's namespace rules, the
pure ``desired_state`` they decide, and the reader of the identity store they are applied
to. Below both principals (who may act now) and provisioning (making the directory match),
so neither of those imports the other."""
