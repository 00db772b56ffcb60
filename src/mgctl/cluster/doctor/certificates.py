"""cert-manager Certificates: Ready, and days until expiry."""

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
    parse_time,
)

AREA = "cert-manager"
CERTS = "certificates.cert-manager.io"
RESOURCES = (CERTS,)
WARN_DAYS = 21  # cert-manager renews 30 days before expiry (Let's Encrypt: 2/3 of 90 days)
FAIL_DAYS = 7


def check(objects: Objects, ctx: Context) -> list[Row]:
    if ctx.disabled("cert-manager"):
        return [disabled_row(AREA, "cert-manager")]
    if CERTS not in objects:
        return [missing_type(AREA, CERTS, True, "cert-manager")]
    rows = []
    for cert in objects[CERTS]:
        name = name_of(cert)
        ns, short = name.split("/")[0], name.split("/")[-1]
        ready = condition(cert, "Ready")
        not_after = parse_time((cert.get("status") or {}).get("notAfter"))
        days = (not_after - ctx.now).total_seconds() / 86400 if not_after else None
        expiry = f"expires in {days:.0f} days" if days is not None else "not issued yet"
        inspect = (
            f"`kubectl -n {ns} describe certificate {short}`, then its CertificateRequest, "
            "Order and Challenge (DNS/HTTP-01 reachable? rate limits?)"
        )
        if ready is None or ready.get("status") != "True":
            rows.append(
                Row(AREA, name, "fail", f"not Ready: {cond_text(ready)}; {expiry}", inspect)
            )
        elif days is not None and days < FAIL_DAYS:
            rows.append(Row(AREA, name, "fail", f"Ready but {expiry}", f"renewal stuck: {inspect}"))
        elif days is not None and days < WARN_DAYS:
            rows.append(
                Row(
                    AREA,
                    name,
                    "warn",
                    f"Ready, {expiry}",
                    f"renewal should have happened at 30 days: {inspect}",
                )
            )
        else:
            rows.append(Row(AREA, name, "ok", f"Ready, {expiry}"))
    return rows
