from .migrate_schemas import Command as MigrateSchemasCommand

Command = MigrateSchemasCommand
