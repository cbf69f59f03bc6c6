"""Sign-in's use cases: the analytics user of an identity user who signs in through their
IdP, provisioned on demand when the account's rules allow it. Above both principals (who
may get in) and provisioning (how they are registered), so neither imports the other."""
