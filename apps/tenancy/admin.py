# Partners, client tenants and domains are managed in the partner console (/partner/) only.
# The admin pages are routed on tenant hosts, where these public-schema tables must never show.
