"""Mail: typed requests between the API functions and the mailer, French templates, SES sending."""
