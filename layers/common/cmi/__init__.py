"""Connection services of the Portail Carte Mobilité Inclusion Organisme (common layer)."""
