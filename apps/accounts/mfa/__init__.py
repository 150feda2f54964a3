"""Two-step sign-in (TOTP, with recovery codes) for partner users on the public host and for
tenant users on theirs: enrolment, the code after the password, the gate that asks the people
who must use it (the policy's `mfa` section; every partner user), the token endpoint's `otp`,
and step-up: a fresh code for the money-moving actions (stepup.py). docs/identity.md,
docs/partners.md "Partner people and roles"."""
