"""External Secrets Operator: ClusterSecretStores and ExternalSecrets must be Ready."""

from __future__ import annotations

from mgctl.cluster.doctor.model import (
    Context,
    Objects,
    Row,
    cond_text,
    condition,
    disabled_row,
    missing_type,
    name_of,
)

AREA = "External Secrets"
STORES = "clustersecretstores.external-secrets.io"
EXTERNAL = "externalsecrets.external-secrets.io"
RESOURCES = (STORES, EXTERNAL)


def check(objects: Objects, ctx: Context) -> list[Row]:
    if ctx.disabled("external-secrets"):
        return [disabled_row(AREA, "external-secrets")]
    rows: list[Row] = []
    if STORES not in objects:
        return [missing_type(AREA, STORES, True, "external-secrets")]
    for store in objects[STORES]:
        ready = condition(store, "Ready")
        name = name_of(store)
        if ready is not None and ready.get("status") == "True":
            rows.append(Row(AREA, f"store {name}", "ok", cond_text(ready)))
        else:
            rows.append(
                Row(
                    AREA,
                    f"store {name}",
                    "fail",
                    cond_text(ready),
                    "the Doppler service token is missing or revoked: check the token Secret "
                    "in external-secrets (`mgctl bootstrap` re-creates a missing one; rotate a "
                    "revoked one: `kubectl -n external-secrets delete secret NAME`, then "
                    "`mgctl bootstrap`)",
                )
            )
    if not objects[STORES]:
        rows.append(
            Row(
                AREA,
                "stores",
                "fail",
                "no ClusterSecretStore",
                "check the external-secrets-config Application",
            )
        )
    for es in objects.get(EXTERNAL, []):
        ready = condition(es, "Ready")
        name = name_of(es)
        if ready is not None and ready.get("status") == "True":
            rows.append(Row(AREA, name, "ok", cond_text(ready)))
        else:
            rows.append(
                Row(
                    AREA,
                    name,
                    "fail",
                    cond_text(ready),
                    f"a key is missing in Doppler or the store is not Ready: "
                    f"`kubectl -n {name.split('/')[0]} describe externalsecret "
                    f"{name.split('/')[-1]}`",
                )
            )
    return rows
