"""The partner's operating model across its client tenants (public schema): policy templates
with locked and local fields, staged rollout and drift; time-boxed support access the client
approves; sandbox tenants; usage and plan limits; offboarding."""
