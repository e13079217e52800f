"""The HTTP side: Powertools resolver factory, request guards, French error answers, cookies, models."""
