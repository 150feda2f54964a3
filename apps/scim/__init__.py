"""SCIM 2.0 provisioning (RFC 7643/7644) on tenant hosts at /scim/v2/: the client's identity
provider creates, changes and deactivates people and puts them in groups that are roles,
with a service-account key holding the `scim` scope. Every write goes through the accounts
services, so a deactivation is the one leaver service (docs/identity.md)."""
