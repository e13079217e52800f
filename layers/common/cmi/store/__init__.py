"""DynamoDB repositories with business operations, and the unit of work that commits them together."""
