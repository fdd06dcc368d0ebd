"""Plain rules of the supervision read model: the newest clock facts per clock, timeline wording."""
