"""Address ranges: the CIDR and MetalLB address forms, normalised, and their overlaps.

MetalLB's IPAddressPool (internal/config/config.go ParseCIDR, v0.16.1) takes a CIDR or a range
`a-b` (spaces around the dash trimmed, start not after end) and refuses a bare address
("invalid CIDR"). mgctl writes a bare address as the one-address CIDR (/32, /128), and writes
CIDRs with host bits set only when they are the network address (MetalLB would silently widen
192.168.1.5/24 to the whole /24).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class AddressRange:
    text: str  # normalised: a CIDR or first-last
    first: IPAddress
    last: IPAddress

    @property
    def version(self) -> int:
        return self.first.version

    @property
    def size(self) -> int:
        return int(self.last) - int(self.first) + 1

    def overlaps(self, other: AddressRange) -> bool:
        return (
            self.version == other.version
            and int(self.first) <= int(other.last)
            and int(other.first) <= int(self.last)
        )


def parse_cidr(value: str) -> IPNetwork:
    """A network address with its prefix, or ValueError with the corrected form."""
    text = value.strip()
    try:
        return ipaddress.ip_network(text, strict=True)
    except ValueError as exc:
        if "/" in text:
            try:
                loose = ipaddress.ip_network(text, strict=False)
            except ValueError:
                pass
            else:
                address = text.split("/")[0]
                single = 32 if loose.version == 4 else 128
                raise ValueError(
                    f"{value!r} has host bits set; did you mean {str(loose)!r} (the network) "
                    f"or '{address}/{single}' (one address)?"
                ) from exc
        raise ValueError(f"{value!r} is not a CIDR such as 10.42.0.0/16 ({exc})") from exc


def cidr_range(network: IPNetwork) -> AddressRange:
    return AddressRange(str(network), network[0], network[-1])


def parse_pool_address(value: str) -> AddressRange:
    """One MetalLB pool entry: CIDR, a-b range, or a bare address (normalised to /32, /128)."""
    text = value.strip()
    if "-" in text:
        start_text, _, end_text = text.partition("-")
        try:
            start = ipaddress.ip_address(start_text.strip())
            end = ipaddress.ip_address(end_text.strip())
        except ValueError as exc:
            raise ValueError(
                f"{value!r} is not an address range (a.b.c.d-a.b.c.e) or CIDR ({exc})"
            ) from exc
        if start.version != end.version:
            raise ValueError(f"{value!r} mixes IPv4 and IPv6")
        if int(start) > int(end):
            raise ValueError(f"{value!r} starts after it ends; did you mean '{end}-{start}'?")
        return AddressRange(f"{start}-{end}", start, end)
    if "/" not in text:
        try:
            address = ipaddress.ip_address(text)
        except ValueError as exc:
            raise ValueError(
                f"{value!r} is not an address range (a.b.c.d-a.b.c.e) or CIDR ({exc})"
            ) from exc
        single = 32 if address.version == 4 else 128
        return AddressRange(f"{address}/{single}", address, address)
    try:
        return cidr_range(parse_cidr(text))
    except ValueError as exc:
        message = str(exc)
        if "has host bits set" not in message:
            message = f"{value!r} is not an address range (a.b.c.d-a.b.c.e) or CIDR ({message})"
        raise ValueError(message) from exc
