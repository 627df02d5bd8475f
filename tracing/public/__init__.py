"""Pages without an account: the enquirer's status page (/status/) and the found person's
consent page (/consent/), their access codes, submissions, relayed messages and reminders."""
