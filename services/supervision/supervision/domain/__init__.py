"""Plain rules of the supervision read model: traffic lights, state order, timeline wording."""
