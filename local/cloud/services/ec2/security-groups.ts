import type { Clock } from '../../core/clock.ts';
import { resourceId } from '../../core/ids.ts';
import { ServiceError } from '../../core/service-error.ts';
import { parseCidr } from './cidr.ts';

/** One flattened security group rule (one protocol/port range and one peer). */
export interface SgRule {
  ipProtocol: string;
  fromPort?: number;
  toPort?: number;
  cidrIp?: string;
  cidrIpv6?: string;
  groupId?: string;
  description?: string;
  /** `sgr-…`, assigned when the rule is added. */
  ruleId?: string;
}

/** One `IpPermission` of an Authorize/Revoke request, as the protocol layer read it. */
export interface PermissionInput {
  ipProtocol: string;
  fromPort: number | undefined;
  toPort: number | undefined;
  ipRanges: Array<{ cidrIp: string; description?: string }>;
  ipv6Ranges: Array<{ cidrIpv6: string; description?: string }>;
  groups: Array<{ groupId?: string; groupName?: string; description?: string }>;
}

export interface SecurityGroup {
  groupId: string;
  groupName: string;
  description: string;
  vpcId: string;
  ownerId: string;
  ingress: SgRule[];
  egress: SgRule[];
}

/** What the security groups need from the rest of their EC2 backend. */
export interface SecurityGroupHost {
  readonly accountId: string;
  readonly clock: Clock;
  defaultVpcId(): string;
  vpcExists(vpcId: string): boolean;
  setTags(id: string, tags: Record<string, string>): void;
  dropTags(id: string): void;
  /** True while a live instance or any network interface lists the group. */
  inUse(groupId: string): boolean;
}

/**
 * The security groups of one account and region: creation and deletion with AWS's checks and
 * eventual consistency, rules (validate, authorize, revoke), the holds other services take on a
 * group, and the ingress decision the data plane asks for.
 */
export class SecurityGroupStore {
  readonly byId = new Map<string, SecurityGroup>();
  readonly #host: SecurityGroupHost;

  constructor(host: SecurityGroupHost) {
    this.#host = host;
  }

  /** The `default` group of a VPC. */
  defaultGroupId(vpcId: string): string {
    for (const sg of this.byId.values()) {
      if (sg.vpcId === vpcId && sg.groupName === 'default') return sg.groupId;
    }
    return '';
  }

  /** A group with AWS's default egress rule, without the API's checks (VPCs' `default` groups). */
  newGroup(groupName: string, description: string, vpcId: string): SecurityGroup {
    const sg: SecurityGroup = {
      groupId: resourceId('sg'),
      groupName,
      description,
      vpcId,
      ownerId: this.#host.accountId,
      ingress: [],
      egress: [{ ipProtocol: '-1', cidrIp: '0.0.0.0/0', ruleId: resourceId('sgr') }],
    };
    this.byId.set(sg.groupId, sg);
    return sg;
  }

  /** Creates a security group (validation as AWS). */
  createSecurityGroup(
    groupName: string,
    description: string,
    vpcId: string | undefined,
    tags: Record<string, string>,
  ): SecurityGroup {
    const vpc = vpcId ?? this.#host.defaultVpcId();
    if (!this.#host.vpcExists(vpc))
      throw new ServiceError('InvalidVpcID.NotFound', `The vpc ID '${vpc}' does not exist`);
    if (groupName.length > 255) {
      throw new ServiceError(
        'InvalidParameterValue',
        'Invalid value for parameter groupName: must be at most 255 characters',
      );
    }
    if (/^sg-/i.test(groupName)) {
      throw new ServiceError('InvalidParameterValue', 'Group names may not be in the format sg-*.');
    }
    if (description.length > 255) {
      throw new ServiceError(
        'InvalidParameterValue',
        'Invalid value for parameter groupDescription: must be at most 255 characters',
      );
    }
    for (const sg of this.byId.values()) {
      if (sg.vpcId === vpc && sg.groupName === groupName) {
        throw new ServiceError(
          'InvalidGroup.Duplicate',
          `The security group '${groupName}' already exists for VPC '${vpc}'`,
        );
      }
    }
    const sg = this.newGroup(groupName, description, vpc);
    if (Object.keys(tags).length > 0) this.#host.setTags(sg.groupId, tags);
    this.#propagatedAt.set(
      sg.groupId,
      this.#host.clock.now().getTime() + this.#host.clock.delay('securityGroupPropagation'),
    );
    return sg;
  }

  /** When each new group's id becomes visible to calls naming it (eventual consistency). */
  readonly #propagatedAt = new Map<string, number>();

  /**
   * EC2 eventual consistency: right after `CreateSecurityGroup`, a call naming the new group by id
   * can answer `InvalidGroup.NotFound` ("Eventual consistency in the Amazon EC2 API", EC2 developer
   * guide). Here every new group is invisible to such calls for the scaled
   * `securityGroupPropagation` delay — deterministic, so tests can meet it on purpose.
   */
  assertPropagated(groupId: string): void {
    const at = this.#propagatedAt.get(groupId);
    if (at === undefined) return;
    if (this.#host.clock.now().getTime() >= at) {
      this.#propagatedAt.delete(groupId);
      return;
    }
    throw new ServiceError('InvalidGroup.NotFound', `The security group '${groupId}' does not exist`);
  }

  /** The group with this id, or InvalidGroup.NotFound. */
  requireGroup(id: string): SecurityGroup {
    if (!/^sg-[0-9a-f]+$/.test(id)) {
      throw new ServiceError('InvalidGroupId.Malformed', `Invalid id: "${id}" (expecting "sg-...")`);
    }
    const sg = this.byId.get(id);
    if (!sg) throw new ServiceError('InvalidGroup.NotFound', `The security group '${id}' does not exist`);
    return sg;
  }

  /** The group named `name` in the default VPC, or InvalidGroup.NotFound. */
  requireGroupByName(name: string): SecurityGroup {
    for (const sg of this.byId.values()) {
      if (sg.vpcId === this.#host.defaultVpcId() && sg.groupName === name) return sg;
    }
    throw new ServiceError(
      'InvalidGroup.NotFound',
      `The security group '${name}' does not exist in default VPC '${this.#host.defaultVpcId()}'`,
    );
  }

  /**
   * Validates permissions as EC2 does (protocol names and numbers, TCP/UDP port ranges, IPv4
   * CIDRs, at least one peer, peer groups that exist) and flattens them into one rule per peer.
   */
  rulesFrom(perms: PermissionInput[]): SgRule[] {
    if (perms.length === 0)
      throw new ServiceError('MissingParameter', 'The request must contain the parameter ipPermissions');
    const rules: SgRule[] = [];
    for (const p of perms) {
      const rawProto = p.ipProtocol.toLowerCase();
      const ipProtocol = PROTOCOLS[rawProto] ?? rawProto;
      if (!['tcp', 'udp', 'icmp', '-1'].includes(ipProtocol) && !/^\d+$/.test(ipProtocol)) {
        throw new ServiceError(
          'InvalidParameterValue',
          `Invalid value '${rawProto}' for IP protocol. Unknown protocol.`,
        );
      }
      const base: SgRule = { ipProtocol };
      if (ipProtocol !== '-1') {
        const { fromPort: from, toPort: to } = p;
        const tcpOrUdp = ipProtocol === 'tcp' || ipProtocol === 'udp';
        if (tcpOrUdp && (from === undefined || to === undefined)) {
          throw new ServiceError(
            'InvalidParameterValue',
            "Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange",
          );
        }
        if (tcpOrUdp && from !== undefined && to !== undefined && (from > to || from < 0 || to > 65535)) {
          throw new ServiceError('InvalidParameterValue', `Invalid TCP/UDP port range (${from} to ${to})`);
        }
        if (from !== undefined) base.fromPort = from;
        if (to !== undefined) base.toPort = to;
      }
      const peers: SgRule[] = [];
      for (const r of p.ipRanges) {
        if (!parseCidr(r.cidrIp)) {
          throw new ServiceError('InvalidParameterValue', `CIDR block ${r.cidrIp} is malformed`);
        }
        peers.push({ ...base, cidrIp: r.cidrIp, ...(r.description ? { description: r.description } : {}) });
      }
      for (const r of p.ipv6Ranges) {
        peers.push({
          ...base,
          cidrIpv6: r.cidrIpv6,
          ...(r.description ? { description: r.description } : {}),
        });
      }
      for (const g of p.groups) {
        const groupId = g.groupId
          ? this.requireGroup(g.groupId).groupId
          : this.requireGroupByName(g.groupName ?? '').groupId;
        peers.push({ ...base, groupId, ...(g.description ? { description: g.description } : {}) });
      }
      if (peers.length === 0) {
        throw new ServiceError(
          'InvalidParameterValue',
          'The request must contain at least one peer (IpRanges, Ipv6Ranges or UserIdGroupPairs) per permission',
        );
      }
      rules.push(...peers);
    }
    return rules;
  }

  /** Adds rules; InvalidPermission.Duplicate when one exists already (nothing is added then). */
  authorize(sg: SecurityGroup, direction: 'ingress' | 'egress', rules: SgRule[]): void {
    const list = direction === 'ingress' ? sg.ingress : sg.egress;
    for (const r of rules) {
      if (r.groupId) {
        this.requireGroup(r.groupId);
        this.assertPropagated(r.groupId);
      }
      const seen =
        list.find((x) => sameRule(x, r)) ??
        rules.find((x) => x !== r && sameRule(x, r) && rules.indexOf(x) < rules.indexOf(r));
      if (seen) {
        throw new ServiceError(
          'InvalidPermission.Duplicate',
          `the specified rule "${describeRule(r)}" already exists`,
        );
      }
    }
    for (const r of rules) r.ruleId ??= resourceId('sgr');
    list.push(...rules);
  }

  /** Removes rules; InvalidPermission.NotFound when one does not exist. */
  revoke(sg: SecurityGroup, direction: 'ingress' | 'egress', rules: SgRule[]): void {
    const list = direction === 'ingress' ? sg.ingress : sg.egress;
    for (const r of rules) {
      if (!list.some((x) => sameRule(x, r))) {
        throw new ServiceError(
          'InvalidPermission.NotFound',
          'The specified rule does not exist in this security group.',
        );
      }
    }
    for (const r of rules) {
      const i = list.findIndex((x) => sameRule(x, r));
      if (i >= 0) list.splice(i, 1);
    }
  }

  /** The group's ingress or egress rule with this id, or InvalidSecurityGroupRuleId.NotFound. */
  requireRule(sg: SecurityGroup, direction: 'ingress' | 'egress', ruleId: string): SgRule {
    const rule = sg[direction].find((r) => r.ruleId === ruleId);
    if (!rule) {
      throw new ServiceError(
        'InvalidSecurityGroupRuleId.NotFound',
        `The security group rule ID '${ruleId}' does not exist`,
      );
    }
    return rule;
  }

  /** Deletes a group: DependencyViolation while referenced by another group's rule or held. */
  deleteSecurityGroup(sg: SecurityGroup): void {
    if (sg.groupName === 'default') {
      throw new ServiceError(
        'CannotDelete',
        `the specified group: "${sg.groupId}" name: "default" cannot be deleted by a user`,
      );
    }
    const referenced = [...this.byId.values()].some(
      (other) =>
        other.groupId !== sg.groupId &&
        [...other.ingress, ...other.egress].some((r) => r.groupId === sg.groupId),
    );
    // A live instance or any interface listing the group blocks it, attached or already detached
    // (`available`).
    if (referenced || this.#host.inUse(sg.groupId)) {
      throw new ServiceError('DependencyViolation', `resource ${sg.groupId} has a dependent object`);
    }
    this.byId.delete(sg.groupId);
    this.#host.dropTags(sg.groupId);
  }

  /**
   * Whether the groups' ingress admits TCP traffic to `port` from a peer: an address (matched against
   * the rules' CIDRs) and/or the peer's own security groups (matched against group-referencing rules).
   * Security groups are allow-only and stateful: one matching rule of any of the groups admits it.
   */
  ingressAllows(
    groupIds: readonly string[],
    port: number,
    peer: { readonly address?: string; readonly groupIds?: readonly string[] },
  ): boolean {
    return groupIds.some((id) =>
      (this.byId.get(id)?.ingress ?? []).some((rule) => {
        const protocolOk = rule.ipProtocol === '-1' || rule.ipProtocol === 'tcp';
        const portOk =
          rule.ipProtocol === '-1' || ((rule.fromPort ?? 0) <= port && port <= (rule.toPort ?? 65535));
        if (!protocolOk || !portOk) return false;
        if (rule.groupId !== undefined) return peer.groupIds?.includes(rule.groupId) ?? false;
        return (
          rule.cidrIp !== undefined && peer.address !== undefined && cidrContains(rule.cidrIp, peer.address)
        );
      }),
    );
  }
}

/** Protocol numbers EC2 accepts for the named protocols (`6` → `tcp`, `all` → `-1`). */
const PROTOCOLS: Record<string, string> = { '6': 'tcp', '17': 'udp', '1': 'icmp', all: '-1' };

/** True when the IPv4 `address` lies in `cidr` (`0.0.0.0/0` contains every address). */
function cidrContains(cidr: string, address: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const toInt = (ip: string): number | undefined => {
    const parts = ip.split('.').map(Number);
    if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
    return (
      ((parts[0] as number) * 2 ** 24 +
        (parts[1] as number) * 2 ** 16 +
        (parts[2] as number) * 2 ** 8 +
        (parts[3] as number)) >>>
      0
    );
  };
  const bits = Number(bitsText ?? '32');
  const a = toInt(base ?? '');
  const b = toInt(address);
  if (a === undefined || b === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  if (bits === 0) return true;
  const mask = (0xffffffff << (32 - bits)) >>> 0;
  return (a & mask) >>> 0 === (b & mask) >>> 0;
}

function sameRule(a: SgRule, b: SgRule): boolean {
  const ports = (r: SgRule) => (r.ipProtocol === '-1' ? '' : `${r.fromPort ?? ''}:${r.toPort ?? ''}`);
  return (
    a.ipProtocol === b.ipProtocol &&
    ports(a) === ports(b) &&
    (a.cidrIp ?? '') === (b.cidrIp ?? '') &&
    (a.cidrIpv6 ?? '') === (b.cidrIpv6 ?? '') &&
    (a.groupId ?? '') === (b.groupId ?? '')
  );
}

function describeRule(r: SgRule): string {
  const peer = r.cidrIp ?? r.cidrIpv6 ?? r.groupId ?? '';
  const proto = r.ipProtocol === '-1' ? 'ALL' : r.ipProtocol.toUpperCase();
  if (r.ipProtocol === '-1') return `peer: ${peer}, ALL, ALLOW`;
  return `peer: ${peer}, ${proto}, from port: ${r.fromPort}, to port: ${r.toPort}, ALLOW`;
}
