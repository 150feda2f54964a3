from django.contrib import admin

from .models import Client, Domain, Partner, PartnerMembership

admin.site.register(Partner)
admin.site.register(PartnerMembership)
admin.site.register(Domain)


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "partner", "status", "portal_name"]
    # Status and branding change through the partner console's services, which audit them.
    readonly_fields = ["schema_name", "status", "branding_version"]
