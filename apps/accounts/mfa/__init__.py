"""Two-step sign-in (TOTP, with recovery codes) for partner users on the public host: enrolment,
the code after the password, the gate that keeps the partner console behind both, and the
token endpoint's `otp`. docs/partners.md, "Partner people and roles"."""
