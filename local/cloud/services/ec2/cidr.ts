/** IPv4 CIDR arithmetic for the VPC family (VPC and subnet ranges, route destinations). */

/** A parsed IPv4 CIDR block: its first address as an unsigned 32-bit number and its prefix length. */
export interface Cidr {
  /** The network address (host bits cleared). */
  readonly base: number;
  readonly prefix: number;
  /** True when the text had host bits set (`10.0.0.1/16`). */
  readonly hostBitsSet: boolean;
}

const CIDR4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Parses `a.b.c.d/n`; undefined when it is not a valid IPv4 CIDR block. */
export function parseCidr(text: string): Cidr | undefined {
  const m = CIDR4.exec(text);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const address = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - prefix);
  const base = Math.floor(address / size) * size;
  return { base, prefix, hostBitsSet: base !== address };
}

/** The canonical text of a block (`10.0.0.0/16`). */
export function formatCidr(c: Cidr): string {
  return `${formatIp(c.base)}/${c.prefix}`;
}

/** Dotted-quad text of an unsigned 32-bit address. */
function formatIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

/** Number of addresses in the block. */
function cidrSize(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

/** True when `inner` lies entirely within `outer`. */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  return (
    inner.prefix >= outer.prefix && inner.base >= outer.base && inner.base < outer.base + cidrSize(outer)
  );
}

/** True when the two blocks share at least one address. */
export function cidrOverlaps(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + cidrSize(b) && b.base < a.base + cidrSize(a);
}

/**
 * Addresses a subnet offers to instances: AWS reserves five per subnet (network address,
 * VPC router, DNS, future use, broadcast) — VPC User Guide, "Subnet CIDR blocks".
 */
export function usableAddresses(c: Cidr): number {
  return Math.max(0, cidrSize(c) - 5);
}
