import { ECS_ERRORS } from './errors.ts';
import { type ContainerDefinition, type PortMapping, type TaskDefinition, tagsFromList } from './model.ts';
import type { EcsState } from './state.ts';

/** ECS task definitions: registration (with the checks AWS makes), lookup, deregistration. */

const FARGATE_MEMORY: Record<number, number[]> = {
  256: [512, 1024, 2048],
  512: [1024, 2048, 3072, 4096],
  1024: range(2048, 8192, 1024),
  2048: range(4096, 16384, 1024),
  4096: range(8192, 30720, 1024),
  8192: range(16384, 61440, 4096),
  16384: range(32768, 122880, 8192),
};

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

/** `"1 vCPU"` → 1024, `"256"` → 256. */
function parseCpu(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^\s*([\d.]+)\s*vcpu\s*$/i.exec(value);
  if (m) return Math.round(Number(m[1]) * 1024);
  const n = Number(value);
  return Number.isFinite(n) ? n : Number.NaN;
}

/** `"2 GB"` → 2048, `"512"` → 512. */
function parseMemory(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^\s*([\d.]+)\s*gb\s*$/i.exec(value);
  if (m) return Math.round(Number(m[1]) * 1024);
  const n = Number(value);
  return Number.isFinite(n) ? n : Number.NaN;
}

export function registerTaskDefinition(ecs: EcsState, input: any): TaskDefinition {
  const family = String(input.family ?? '');
  if (!/^[a-zA-Z0-9_-]{1,255}$/.test(family))
    throw ECS_ERRORS.client(
      'Family contains invalid characters. Up to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores are allowed.',
    );
  const compat: string[] = Array.isArray(input.requiresCompatibilities)
    ? input.requiresCompatibilities.map(String)
    : [];
  const fargate = compat.includes('FARGATE');
  const networkMode = String(input.networkMode ?? (fargate ? 'awsvpc' : 'bridge'));
  if (!['bridge', 'host', 'awsvpc', 'none'].includes(networkMode))
    throw ECS_ERRORS.client(
      `Invalid networkMode '${networkMode}'. Valid values are: bridge, host, awsvpc, none.`,
    );
  if (fargate && networkMode !== 'awsvpc')
    throw ECS_ERRORS.client("Fargate only supports network mode 'awsvpc'.");
  const rawContainers: any[] = Array.isArray(input.containerDefinitions) ? input.containerDefinitions : [];
  if (rawContainers.length === 0) throw ECS_ERRORS.client('Container list cannot be empty.');
  const cpu = input.cpu === undefined ? undefined : String(input.cpu);
  const memory = input.memory === undefined ? undefined : String(input.memory);
  const taskCpu = parseCpu(cpu);
  const taskMemory = parseMemory(memory);
  if (taskCpu !== undefined && (Number.isNaN(taskCpu) || taskCpu < 128))
    throw ECS_ERRORS.client(`Invalid 'cpu' setting for task. The minimum is 128 CPU units.`);
  if (taskMemory !== undefined && (Number.isNaN(taskMemory) || taskMemory < 6))
    throw ECS_ERRORS.client(`Invalid 'memory' setting for task. The minimum is 6 MiB.`);
  if (fargate) {
    if (taskCpu === undefined)
      throw ECS_ERRORS.client("Fargate requires that 'cpu' be defined at the task level.");
    if (taskMemory === undefined)
      throw ECS_ERRORS.client("Fargate requires that 'memory' be defined at the task level.");
    if (!(FARGATE_MEMORY[taskCpu] ?? []).includes(taskMemory))
      throw ECS_ERRORS.client(
        `No Fargate configuration exists for given values: ${taskCpu} CPU, ${taskMemory} memory. See the Amazon ECS documentation for the valid combinations.`,
      );
  }
  const names = new Set<string>();
  const containers: ContainerDefinition[] = rawContainers.map((c) => {
    const name = String(c.name ?? '');
    if (!name) throw ECS_ERRORS.client('Container.name should not be null or empty.');
    if (names.has(name))
      throw ECS_ERRORS.client(`Duplicate container name '${name}'. Container names must be unique.`);
    names.add(name);
    if (!c.image) throw ECS_ERRORS.client('Container.image should not be null or empty.');
    const cMemory = c.memory === undefined ? undefined : Number(c.memory);
    const cReservation = c.memoryReservation === undefined ? undefined : Number(c.memoryReservation);
    if (cMemory !== undefined && cMemory < 6)
      throw ECS_ERRORS.client(`Invalid 'memory' setting for container '${name}'. The minimum is 6 MiB.`);
    if (cMemory !== undefined && cReservation !== undefined && cReservation > cMemory)
      throw ECS_ERRORS.client(
        `Invalid 'memoryReservation' setting for container '${name}'. 'memoryReservation' must be less than or equal to 'memory'.`,
      );
    if (taskMemory === undefined && cMemory === undefined && cReservation === undefined)
      throw ECS_ERRORS.client(
        `Invalid setting for container '${name}'. At least one of 'memory' or 'memoryReservation' must be specified.`,
      );
    if (taskMemory !== undefined && cMemory !== undefined && cMemory > taskMemory)
      throw ECS_ERRORS.client(
        `Invalid 'memory' setting for container '${name}'. The container memory must be less than or equal to the task memory.`,
      );
    const portMappings: PortMapping[] = (Array.isArray(c.portMappings) ? c.portMappings : []).map(
      (pm: any) => {
        const containerPort = Number(pm.containerPort);
        if (!Number.isInteger(containerPort) || containerPort < 1 || containerPort > 65535)
          throw ECS_ERRORS.client(`Invalid containerPort in container '${name}'.`);
        const hostPort = pm.hostPort === undefined ? undefined : Number(pm.hostPort);
        if (
          (networkMode === 'awsvpc' || networkMode === 'host') &&
          hostPort !== undefined &&
          hostPort !== 0 &&
          hostPort !== containerPort
        )
          throw ECS_ERRORS.client(
            `When networkMode=${networkMode}, the host ports and container ports in port mappings must match.`,
          );
        if (hostPort !== undefined && (hostPort < 0 || hostPort > 65535))
          throw ECS_ERRORS.client(`Invalid hostPort in container '${name}'.`);
        return {
          containerPort,
          ...(networkMode === 'awsvpc' || networkMode === 'host'
            ? { hostPort: containerPort }
            : hostPort === undefined
              ? {}
              : { hostPort }),
          protocol: String(pm.protocol ?? 'tcp'),
          ...(pm.name ? { name: String(pm.name) } : {}),
        };
      },
    );
    if (networkMode === 'none' && portMappings.length > 0)
      throw ECS_ERRORS.client('Port mappings are not supported when networkMode=none.');
    return {
      ...c,
      name,
      image: String(c.image),
      ...(c.cpu === undefined ? {} : { cpu: Number(c.cpu) }),
      ...(cMemory === undefined ? {} : { memory: cMemory }),
      ...(cReservation === undefined ? {} : { memoryReservation: cReservation }),
      essential: c.essential === undefined ? true : Boolean(c.essential),
      portMappings,
      environment: Array.isArray(c.environment) ? c.environment : [],
    };
  });
  if (!containers.some((c) => c.essential))
    throw ECS_ERRORS.client('A task definition must have at least one essential container.');
  const revisions = ecs.taskDefinitions.get(family) ?? [];
  const revision = revisions.length + 1;
  const {
    family: _f,
    containerDefinitions: _c,
    cpu: _cpu,
    memory: _m,
    networkMode: _n,
    requiresCompatibilities: _r,
    tags: _t,
    ...extra
  } = input;
  const td: TaskDefinition = {
    arn: ecs.arn('task-definition', `${family}:${revision}`),
    family,
    revision,
    status: 'ACTIVE',
    networkMode,
    ...(cpu === undefined ? {} : { cpu: String(taskCpu) }),
    ...(memory === undefined ? {} : { memory: String(taskMemory) }),
    requiresCompatibilities: compat,
    containerDefinitions: containers,
    registeredAt: ecs.cloud.clock.now(),
    extra,
  };
  revisions.push(td);
  ecs.taskDefinitions.set(family, revisions);
  ecs.tags.set(td.arn, tagsFromList(input.tags));
  return td;
}

/** Resolves `family`, `family:rev` or an ARN (a bare family = its latest ACTIVE revision). */
export function findTaskDefinition(ecs: EcsState, ref: string): TaskDefinition | undefined {
  const last = ref.startsWith('arn:') ? (ref.split('task-definition/')[1] ?? '') : ref;
  const [family, rev] = last.split(':');
  const revisions = ecs.taskDefinitions.get(family ?? '') ?? [];
  if (rev === undefined) return [...revisions].reverse().find((t) => t.status === 'ACTIVE');
  const td = revisions[Number(rev) - 1];
  return td && td.status !== 'DELETE_IN_PROGRESS' ? td : undefined;
}

export function getTaskDefinition(ecs: EcsState, ref: string): TaskDefinition {
  const td = findTaskDefinition(ecs, ref);
  if (!td) throw ECS_ERRORS.taskDefinitionNotFound();
  return td;
}

export function deregisterTaskDefinition(ecs: EcsState, ref: string): TaskDefinition {
  if (!ref.includes(':') || (ref.startsWith('arn:') && !/:\d+$/.test(ref)))
    throw ECS_ERRORS.client('Invalid revision number. Number: ' + (ref.split(':').pop() ?? ''));
  const td = findTaskDefinition(ecs, ref);
  if (!td) throw ECS_ERRORS.client('The specified task definition does not exist.');
  if (td.status === 'ACTIVE') {
    td.status = 'INACTIVE';
    td.deregisteredAt = ecs.cloud.clock.now();
  }
  return td;
}
