"""Disaster recovery: a real Postgres PITR drill, backup status from the barman catalog and
restore plans."""
