// Berth dashboard: plain modern JavaScript, no build step, no dependencies.
// Talks only to its own server (/api/… is forwarded to the Berth HTTP API; docs/openapi.yaml).

const TOKEN = document.querySelector('meta[name="berth-token"]')?.getAttribute('content') ?? '';
const STATUSES = [
  'creating',
  'ready',
  'scaling',
  'redeploying',
  'tearing-down',
  'rolling-back',
  'pausing',
  'paused',
  'resuming',
  'failed',
  'deleted',
];

import { collapseSteps, costText, duration, expiryText, mergeSteps } from './format.js';

let config = { api: '', consoleRegion: null, pollMs: 2000 };
let view;

// ---------------------------------------------------------------- helpers

/** Creates an element: h('a', { href, class: 'x' }, 'text', child). Text is never parsed as HTML. */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat(Number.POSITIVE_INFINITY)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

class ApiError extends Error {
  constructor(status, body) {
    const name = typeof body?.error === 'string' ? body.error : `HTTP ${status}`;
    const text =
      typeof body?.message === 'string' ? body.message : body?.requestId ? `request ${body.requestId}` : '';
    super(text ? `${name}: ${text}` : name);
    this.status = status;
    this.body = body;
  }
}

/** Calls the Berth API through the dashboard server. Mutations get a fresh Idempotency-Key. */
async function api(method, path, body) {
  const headers = { accept: 'application/json', 'x-berth-dashboard-token': TOKEN };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['idempotency-key'] = crypto.randomUUID();
  let response;
  try {
    response = await fetch(`/api${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new ApiError(0, {
      error: 'NetworkError',
      message: `the dashboard server cannot be reached (${error.message})`,
    });
  }
  const text = await response.text();
  let data;
  try {
    data = text === '' ? {} : JSON.parse(text);
  } catch {
    data = { error: 'InvalidResponse', message: text.slice(0, 200) };
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

async function listAll(status) {
  const all = [];
  let token = null;
  do {
    const q = new URLSearchParams();
    if (status) q.set('status', status);
    if (token) q.set('nextToken', token);
    const qs = q.toString();
    const page = await api('GET', `/environments${qs ? `?${qs}` : ''}`);
    all.push(...page.environments);
    token = page.nextToken;
  } while (token);
  return all;
}

const envPath = (name) => `/environments/${encodeURIComponent(name)}`;

/** A countdown element, refreshed by the one-second ticker. */
const countdown = (expiresAt, keep) =>
  h(
    'time',
    {
      'data-expires': expiresAt ?? '',
      'data-keep': keep ? '1' : '',
      datetime: expiresAt ?? undefined,
      title: expiresAt ? new Date(expiresAt).toLocaleString() : undefined,
    },
    expiryText(expiresAt, keep),
  );

const badge = (status) =>
  h('span', { class: `badge badge-${String(status).replace(/[^a-z-]/g, '')}` }, status);

const safeHref = (url) => {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
};

const link = (url) => {
  const href = safeHref(url);
  return href
    ? h('a', { href, target: '_blank', rel: 'noopener noreferrer', class: 'env-url' }, url)
    : url || '—';
};

const time = (iso) => (iso ? h('time', { datetime: iso, title: iso }, new Date(iso).toLocaleString()) : '—');

function toast(text) {
  const el = document.getElementById('toast');
  el.textContent = text;
  el.classList.add('show');
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => el.classList.remove('show'), 4000);
}

/** Sets a message region: kind 'ok' (role=status) or 'error' (role=alert). */
function say(region, kind, text) {
  region.className = `message ${kind}`;
  region.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  region.textContent = text;
}

// ---------------------------------------------------------------- steps and their timeline

const stepState = (status) =>
  /fail|error|unhealthy/i.test(status)
    ? 'failed'
    : /pending|running|started|progress/i.test(status)
      ? 'pending'
      : 'ok';

function timeline(op, running) {
  const start = Date.parse(op.startedAt);
  const items = collapseSteps(op.steps ?? []).map((s) => {
    const state = stepState(s.status);
    const elapsed = `+${duration(Date.parse(s.lastAt) - start)}`;
    const polls =
      s.count > 1
        ? h('span', { class: 'count' }, `× ${s.count}${/^Verify/.test(s.step) ? ' polls' : ''}`)
        : null;
    return h(
      'li',
      { class: `step step-${state}`, 'data-step': s.step },
      h(
        'span',
        { class: 'icon', 'aria-hidden': 'true' },
        state === 'failed' ? '✗' : state === 'pending' ? '…' : '✓',
      ),
      h('span', { class: 'step-name' }, s.step),
      polls,
      h('span', { class: 'step-status' }, s.status),
      h('span', { class: 'elapsed', title: s.lastAt }, elapsed),
      s.detail ? h('span', { class: 'detail' }, s.detail) : null,
    );
  });
  if (running) {
    items.push(
      h(
        'li',
        { class: 'step step-running' },
        h('span', { class: 'icon spinner', 'aria-hidden': 'true' }, '◌'),
        h('span', { class: 'step-name' }, 'running'),
        h('span', { class: 'elapsed', 'data-since': op.startedAt }, `for ${duration(Date.now() - start)}`),
      ),
    );
  }
  return h('ol', { class: 'timeline', 'aria-label': `Steps of ${op.operation}` }, items);
}

// ---------------------------------------------------------------- views

/** A view polls `refresh` every config.pollMs while it is shown. */
function polling(refresh) {
  let timer;
  let stopped = false;
  const loop = async () => {
    if (stopped) return;
    try {
      await refresh();
    } catch (error) {
      console.error(error);
    }
    if (!stopped) timer = setTimeout(loop, config.pollMs);
  };
  return {
    start: loop,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

function listView(main) {
  const lastOps = new Map(); // name → { key, op }
  const search = h('input', {
    id: 'filter-name',
    type: 'search',
    placeholder: 'name contains…',
    autocomplete: 'off',
  });
  const owner = h('select', { id: 'filter-owner' }, h('option', { value: '' }, 'all owners'));
  const status = h(
    'select',
    { id: 'filter-status' },
    h('option', { value: '' }, 'all (not deleted)'),
    STATUSES.map((s) => h('option', { value: s }, s)),
  );
  const error = h('p', { class: 'message', id: 'list-error' });
  const body = h('tbody');
  const count = h('p', { class: 'muted', id: 'list-count', 'aria-live': 'polite' });
  let environments = [];

  const rerender = () => {
    const needle = search.value.trim().toLowerCase();
    const shown = environments.filter(
      (e) =>
        (!needle || e.name.toLowerCase().includes(needle)) &&
        (!owner.value || (e.owner ?? '') === owner.value),
    );
    count.textContent = `${shown.length} of ${environments.length} environment${environments.length === 1 ? '' : 's'}`;
    if (shown.length === 0) {
      body.replaceChildren(
        h(
          'tr',
          {},
          h(
            'td',
            { colspan: 7, class: 'empty' },
            environments.length === 0 && !needle && !owner.value && !status.value
              ? 'No environments yet. Create one with “New environment”.'
              : 'No environment matches the filters.',
          ),
        ),
      );
      return;
    }
    body.replaceChildren(
      ...shown.map((e) => {
        const last = lastOps.get(e.name)?.op;
        const current = e.currentOperation;
        const lastCell = current
          ? h(
              'span',
              {},
              `${current.operation} running`,
              current.step && current.step !== current.operation
                ? h('span', { class: 'muted' }, ` · ${current.step}`)
                : null,
            )
          : last
            ? h(
                'span',
                {},
                `${last.operation} `,
                badge(last.status),
                h(
                  'span',
                  { class: 'muted' },
                  ` ${duration(Date.now() - Date.parse(last.finishedAt ?? last.startedAt))} ago`,
                ),
              )
            : '—';
        return h(
          'tr',
          { 'data-env': e.name },
          h('th', { scope: 'row' }, h('a', { href: `#/env/${encodeURIComponent(e.name)}` }, e.name)),
          h('td', { 'data-label': 'Status' }, badge(e.status)),
          h('td', { 'data-label': 'Owner' }, e.owner ?? '—'),
          h('td', { 'data-label': 'URL' }, e.url ? link(e.url) : '—'),
          h('td', { 'data-label': 'Expires' }, countdown(e.expiresAt, e.keep)),
          h('td', { 'data-label': 'Cost' }, costText(e)),
          h('td', { 'data-label': 'Last operation', class: 'last-op' }, lastCell),
        );
      }),
    );
  };

  const refreshOwners = () => {
    const owners = [...new Set(environments.map((e) => e.owner).filter(Boolean))].sort();
    const selected = owner.value;
    owner.replaceChildren(
      h('option', { value: '' }, 'all owners'),
      ...owners.map((o) => h('option', { value: o }, o)),
    );
    if (selected && !owners.includes(selected)) owner.append(h('option', { value: selected }, selected));
    owner.value = selected;
  };

  /** The last operation of each shown environment, fetched again only when its status or operation changed. */
  const refreshLastOps = async () => {
    const stale = environments.filter((e) => {
      const key = `${e.status}|${e.currentOperation?.operationId ?? ''}`;
      return lastOps.get(e.name)?.key !== key;
    });
    for (const e of stale.slice(0, 20)) {
      const key = `${e.status}|${e.currentOperation?.operationId ?? ''}`;
      try {
        const described = await api('GET', envPath(e.name));
        lastOps.set(e.name, { key, op: described.operations?.[0] });
      } catch {
        // shown on the next change
      }
    }
  };

  const poll = polling(async () => {
    try {
      environments = await listAll(status.value || undefined);
      error.className = 'message';
      error.textContent = '';
    } catch (e) {
      say(error, 'error', e.message);
      return;
    }
    refreshOwners();
    rerender();
    await refreshLastOps();
    rerender();
  });

  search.addEventListener('input', rerender);
  owner.addEventListener('change', rerender);
  status.addEventListener('change', () => poll.start());

  main.replaceChildren(
    h('h1', { tabindex: '-1' }, 'Environments'),
    h(
      'form',
      { class: 'filters', role: 'search', onsubmit: (ev) => ev.preventDefault() },
      h('div', { class: 'field' }, h('label', { for: 'filter-name' }, 'Search by name'), search),
      h('div', { class: 'field' }, h('label', { for: 'filter-owner' }, 'Owner'), owner),
      h('div', { class: 'field' }, h('label', { for: 'filter-status' }, 'Status'), status),
    ),
    error,
    count,
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'envs', id: 'environments' },
        h('caption', { class: 'visually-hidden' }, 'Environments, updated every few seconds'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Name', 'Status', 'Owner', 'URL', 'Expires', 'Cost / hour', 'Last operation'].map((t) =>
              h('th', { scope: 'col' }, t),
            ),
          ),
        ),
        body,
      ),
    ),
  );
  return poll;
}

const SPEC_FIELDS = [
  ['image', 'Image'],
  ['containerPort', 'Container port'],
  ['desiredCount', 'Desired count'],
  ['launchType', 'Launch type'],
  ['networkMode', 'Network mode'],
  ['instanceType', 'Instance type'],
  ['cpu', 'CPU units'],
  ['memory', 'Memory (MiB)'],
  ['ttl', 'TTL'],
];

function specView(spec) {
  if (!spec || typeof spec !== 'object') return h('p', { class: 'muted' }, 'No spec recorded.');
  const rows = SPEC_FIELDS.filter(([key]) => spec[key] !== undefined).map(([key, label]) => [
    label,
    String(spec[key]),
  ]);
  if (spec.loadBalancer)
    rows.push([
      'Load balancer',
      [spec.loadBalancer.mode, spec.loadBalancer.host, spec.loadBalancer.pathPrefix]
        .filter(Boolean)
        .join(' · '),
    ]);
  if (spec.healthCheck?.path) rows.push(['Health check', spec.healthCheck.path]);
  return h(
    'div',
    {},
    h(
      'dl',
      { class: 'facts' },
      rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
    ),
    h(
      'details',
      {},
      h('summary', {}, 'Full spec (JSON)'),
      h('pre', { class: 'json' }, JSON.stringify(spec, null, 2)),
    ),
  );
}

/** The AWS console page of a resource, when the API is deployed (config.consoleRegion set). */
function consoleUrl(resource, region) {
  const base = `https://${region}.console.aws.amazon.com`;
  const q = encodeURIComponent;
  switch (resource.type) {
    case 'cluster':
      return `${base}/ecs/v2/clusters/${q(resource.name)}/services?region=${region}`;
    case 'service':
      return `${base}/ecs/v2/clusters/${q(resource.cluster ?? resource.name)}/services/${q(resource.name)}/health?region=${region}`;
    case 'taskDefinition':
      return `${base}/ecs/v2/task-definitions/${q(resource.name)}?region=${region}`;
    case 'loadBalancer':
      return `${base}/ec2/home?region=${region}#LoadBalancers:search=${q(resource.name)}`;
    case 'targetGroup':
      return `${base}/ec2/home?region=${region}#TargetGroups:search=${q(resource.name)}`;
    case 'autoScalingGroup':
      return `${base}/ec2/home?region=${region}#AutoScalingGroupDetails:id=${q(resource.name)}`;
    case 'launchTemplate':
      return `${base}/ec2/home?region=${region}#LaunchTemplates:search=${q(resource.name)}`;
    case 'securityGroup':
      return `${base}/ec2/home?region=${region}#SecurityGroups:search=${q(resource.name)}`;
    case 'capacityProvider':
      return `${base}/ecs/v2/clusters/${q(resource.cluster ?? resource.name)}/infrastructure?region=${region}`;
    case 'logGroup':
      return `${base}/cloudwatch/home?region=${region}#logsV2:log-groups/log-group/${q(q(resource.name))}`;
    default:
      return undefined;
  }
}

/** How often the environment view re-reads the workload's last log lines. */
const LOGS_EVERY_MS = 3000;
/** Log lines the environment view shows. */
const LOG_LINES = 20;

/**
 * Where the environment's logs are read in full: the CloudWatch console page of its log group when the API is
 * deployed, else the API's own logs route.
 */
function logsLink(name) {
  const group = `/berth/${name}`;
  if (config.consoleRegion) return consoleUrl({ type: 'logGroup', name: group }, config.consoleRegion);
  return `${config.api.replace(/\/+$/, '')}/environments/${encodeURIComponent(name)}/logs`;
}

/** The last lines of the workload's logs (`GET /environments/{name}/logs`, last hour), with the link. */
async function logsView(name) {
  const link = h(
    'a',
    { href: logsLink(name), target: '_blank', rel: 'noopener', id: 'logs-link' },
    'All logs',
  );
  let lines;
  try {
    const page = await api('GET', `${envPath(name)}/logs?since=1h&limit=1000`);
    lines = Array.isArray(page.lines) ? page.lines.slice(-LOG_LINES) : [];
  } catch (e) {
    return h('div', {}, h('p', { class: 'muted' }, `No logs: ${e.message}`), link);
  }
  if (lines.length === 0)
    return h('div', {}, h('p', { class: 'muted' }, 'No log lines in the last hour.'), link);
  return h(
    'div',
    {},
    h(
      'pre',
      { class: 'log-lines', id: 'log-lines' },
      lines
        .map((l) => `${new Date(l.timestamp).toLocaleTimeString()} ${l.taskId.slice(0, 8)} ${l.message}\n`)
        .join(''),
    ),
    link,
  );
}

function resourcesView(env) {
  const resources = Array.isArray(env.resources) ? env.resources : [];
  if (resources.length === 0)
    return h(
      'p',
      { class: 'muted' },
      env.status === 'deleted'
        ? 'None: the environment is deleted.'
        : 'The API lists no resources for this environment.',
    );
  const deployed = config.consoleRegion;
  return h(
    'ul',
    { class: 'resources' },
    resources.map((r) => {
      const href = deployed ? consoleUrl(r, deployed) : undefined;
      return h(
        'li',
        {},
        h('span', { class: 'muted' }, `${r.label ?? r.type} `),
        href ? h('a', { href, target: '_blank', rel: 'noopener noreferrer' }, r.name) : h('code', {}, r.name),
      );
    }),
  );
}

function historyView(operations) {
  if (!operations?.length) return h('p', { class: 'muted' }, 'No operations yet.');
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'history' },
      h('caption', { class: 'visually-hidden' }, 'Recent operations, newest first'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Operation', 'Result', 'Requested by', 'Started', 'Took', 'Error'].map((t) =>
            h('th', { scope: 'col' }, t),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        operations.map((op) =>
          h(
            'tr',
            { 'data-operation': op.operationId },
            h('th', { scope: 'row' }, op.operation),
            h('td', { 'data-label': 'Result' }, badge(op.status)),
            h(
              'td',
              { 'data-label': 'Requested by' },
              op.requestedBy ?? '—',
              op.entry ? h('span', { class: 'muted' }, ` via ${op.entry}`) : null,
            ),
            h('td', { 'data-label': 'Started' }, time(op.startedAt)),
            h(
              'td',
              { 'data-label': 'Took' },
              op.finishedAt
                ? duration(Date.parse(op.finishedAt) - Date.parse(op.startedAt))
                : h('span', { 'data-since': op.startedAt }, duration(Date.now() - Date.parse(op.startedAt))),
            ),
            h(
              'td',
              { 'data-label': 'Error' },
              op.error ? (typeof op.error === 'string' ? op.error : JSON.stringify(op.error)) : '—',
            ),
          ),
        ),
      ),
    ),
  );
}

/** One action form: fields, a button, and a message region for the API's answer. */
function actionForm(id, title, fields, button, submit) {
  const message = h('p', { class: 'message', id: `${id}-message` });
  const form = h(
    'form',
    {
      class: 'action',
      id: `${id}-form`,
      novalidate: true,
      onsubmit: async (ev) => {
        ev.preventDefault();
        const btn = form.querySelector('button');
        btn.disabled = true;
        try {
          say(message, 'ok', await submit(form));
        } catch (error) {
          say(message, 'error', error.message);
        } finally {
          btn.disabled = false;
        }
      },
    },
    h(
      'fieldset',
      {},
      h('legend', {}, title),
      fields,
      h('button', { type: 'submit', class: id === 'down' ? 'danger' : '' }, button),
    ),
    message,
  );
  return form;
}

const field = (id, label, attrs = {}, hint) =>
  h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    h('input', {
      id,
      name: id,
      autocomplete: 'off',
      ...attrs,
      'aria-describedby': hint ? `${id}-hint` : undefined,
    }),
    hint ? h('small', { id: `${id}-hint`, class: 'hint' }, hint) : null,
  );

/** A whole number when the text is one, else the text as typed (the API words the problem). */
const numberOrText = (text) => (/^\s*\d+\s*$/.test(text) ? Number(text) : text);

const accepted = (answer) => `${answer.operation} of ${answer.env} accepted: operation ${answer.operationId}`;

function detailView(main, name) {
  const heading = h('h1', { tabindex: '-1' }, name, ' ', h('span', { id: 'env-status' }));
  const error = h('p', { class: 'message', id: 'detail-error' });
  const summary = h('div', { id: 'summary' });
  const operation = h('div', { id: 'operation' });
  const failure = h('div', { id: 'last-failure' });
  const spec = h('div', { id: 'spec' });
  const resources = h('div', { id: 'resources' });
  const history = h('div', { id: 'history' });
  const logs = h('div', { id: 'logs' });
  let logsReadAt = 0;
  const operationTitle = h('h2', {}, 'Operation');
  const seenSteps = new Map(); // operationId → steps seen while it ran
  // Announces status changes to screen readers (the timeline itself is not a live region: it redraws often).
  const announce = h('p', { class: 'visually-hidden', role: 'status', id: 'status-announcement' });
  let announced;
  let env;
  let operations;

  const extend = actionForm(
    'extend',
    'Extend the expiry',
    field('extend-hours', 'Hours to add', { inputmode: 'numeric', value: '8' }, '1 to 720 whole hours'),
    'Extend',
    async (form) => {
      const hours = numberOrText(form.elements['extend-hours'].value);
      return accepted(await api('POST', `${envPath(name)}/extend`, { hours }));
    },
  );
  const scale = actionForm(
    'scale',
    'Scale',
    field('scale-count', 'Desired task count', { inputmode: 'numeric' }, '0 to 100'),
    'Scale',
    async (form) => {
      const desiredCount = numberOrText(form.elements['scale-count'].value);
      return accepted(await api('POST', `${envPath(name)}/scale`, { desiredCount }));
    },
  );
  const redeploy = actionForm(
    'redeploy',
    'Redeploy',
    field('redeploy-image', 'Image', { placeholder: 'empty: re-pull the current image' }),
    'Redeploy',
    async (form) => {
      const image = form.elements['redeploy-image'].value.trim();
      return accepted(await api('POST', `${envPath(name)}/redeploy`, image ? { image } : {}));
    },
  );
  // Sleep and wake (POST …/pause, …/resume): one of the two is shown, by the environment's status.
  const pause = actionForm(
    'pause',
    'Pause',
    h(
      'p',
      { class: 'hint', id: 'pause-hint' },
      'Scales the service and its instances to zero; the load balancer and URL stay.',
    ),
    'Pause',
    async () => accepted(await api('POST', `${envPath(name)}/pause`, {})),
  );
  const resume = actionForm(
    'resume',
    'Resume',
    h(
      'p',
      { class: 'hint', id: 'resume-hint' },
      'Restores the counts remembered by the pause, then verifies.',
    ),
    'Resume',
    async () => accepted(await api('POST', `${envPath(name)}/resume`, {})),
  );
  const down = actionForm(
    'down',
    'Tear down',
    field(
      'down-confirm',
      `Type “${name}” to confirm`,
      { spellcheck: 'false' },
      'Deletes every resource tagged as this environment’s',
    ),
    'Tear down',
    async (form) => {
      const typed = form.elements['down-confirm'].value;
      if (typed !== name) {
        throw new Error(`The typed name “${typed}” does not match “${name}”: nothing was torn down.`);
      }
      form.elements['down-confirm'].value = '';
      return accepted(await api('DELETE', envPath(name)));
    },
  );

  const render = () => {
    const running = env.currentOperation;
    const sleeping = env.status === 'paused' || (env.paused !== undefined && env.paused !== null);
    pause.hidden = sleeping || env.status === 'deleted';
    resume.hidden = !sleeping || env.status === 'deleted';
    if (announced !== undefined && announced !== env.status)
      announce.textContent = `${name} is ${env.status}`;
    announced = env.status;
    document.getElementById('env-status')?.replaceChildren(badge(env.status));
    summary.replaceChildren(
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, 'URL'),
        h('dd', {}, env.url ? link(env.url) : '—'),
        h('dt', {}, 'Owner'),
        h('dd', {}, env.owner ?? '—'),
        h('dt', {}, 'Expires'),
        h(
          'dd',
          { id: 'expires' },
          countdown(env.expiresAt, env.keep),
          env.expiresAt
            ? h(
                'span',
                { class: 'muted', id: 'expires-at' },
                ` (${new Date(env.expiresAt).toLocaleString()})`,
              )
            : null,
        ),
        h('dt', {}, 'Idle sleep'),
        h(
          'dd',
          { id: 'idle-after' },
          env.spec?.idleAfter ? `pauses after ${env.spec.idleAfter} without requests` : 'off',
        ),
        h('dt', {}, 'Cost / hour'),
        h('dd', {}, costText(env)),
        h('dt', {}, 'Created'),
        h('dd', {}, time(env.createdAt)),
        h('dt', {}, 'Updated'),
        h('dd', {}, time(env.updatedAt)),
      ),
    );
    const found = env.operations?.find((o) => o.operationId === running?.operationId) ?? env.operations?.[0];
    const op = found && {
      ...found,
      steps: mergeSteps(seenSteps.get(found.operationId) ?? [], found.steps ?? []),
    };
    if (op) seenSteps.set(op.operationId, op.steps);
    operationTitle.textContent = op
      ? `${running ? 'Running' : 'Last'} operation: ${op.operation}`
      : 'Operation';
    operation.replaceChildren(
      op
        ? h(
            'div',
            {},
            h(
              'p',
              { class: 'muted' },
              badge(op.status),
              ` started ${new Date(op.startedAt).toLocaleString()} by ${op.requestedBy ?? 'unknown'}`,
            ),
            timeline(op, Boolean(running) && op.status === 'running'),
          )
        : h('p', { class: 'muted' }, 'No operation yet.'),
    );
    const f = env.lastFailure;
    failure.replaceChildren(
      f
        ? h(
            'div',
            { class: 'failure' },
            h('h2', {}, 'Last failure'),
            h(
              'p',
              {},
              h('strong', {}, `${f.operation ?? 'operation'} failed${f.step ? ` at step ${f.step}` : ''}`),
              f.at ? h('span', { class: 'muted' }, ` · ${new Date(f.at).toLocaleString()}`) : null,
            ),
            h('p', { class: 'reason' }, f.reason ?? f.error ?? 'no reason recorded'),
          )
        : '',
    );
    spec.replaceChildren(specView(env.spec));
    resources.replaceChildren(resourcesView(env));
    history.replaceChildren(historyView(operations ?? env.operations));
    const gone = env.status === 'deleted';
    for (const form of [extend, scale, redeploy, down]) form.hidden = gone;
    if (!scale.elements['scale-count'].value && typeof env.spec?.desiredCount === 'number') {
      scale.elements['scale-count'].value = String(env.spec.desiredCount);
    }
  };

  const poll = polling(async () => {
    try {
      env = await api('GET', envPath(name));
      // The history view reads the operation history route (who asked, through which entry point, when).
      try {
        operations = (await api('GET', `${envPath(name)}/operations?limit=20`)).operations;
      } catch {
        operations = env.operations;
      }
      error.className = 'message';
      error.textContent = '';
      if (Date.now() - logsReadAt > LOGS_EVERY_MS) {
        logsReadAt = Date.now();
        logs.replaceChildren(await logsView(name));
      }
    } catch (e) {
      say(
        error,
        'error',
        e.status === 404 ? `${e.message} (it may still be starting: this page retries)` : e.message,
      );
      return;
    }
    render();
  });

  main.replaceChildren(
    h('p', { class: 'crumbs' }, h('a', { href: '#/' }, '← Environments')),
    heading,
    error,
    announce,
    h(
      'div',
      { class: 'grid' },
      h(
        'div',
        {},
        h('section', { 'aria-labelledby': 'h-summary' }, h('h2', { id: 'h-summary' }, 'Overview'), summary),
        h('section', { class: 'op-section' }, operationTitle, operation),
        failure,
      ),
      h(
        'section',
        { 'aria-label': 'Actions', class: 'actions' },
        extend,
        scale,
        redeploy,
        pause,
        resume,
        down,
      ),
    ),
    h('section', {}, h('h2', {}, 'History'), history),
    h('section', { 'aria-labelledby': 'h-logs' }, h('h2', { id: 'h-logs' }, 'Logs'), logs),
    h(
      'div',
      { class: 'grid' },
      h('section', {}, h('h2', {}, 'Spec'), spec),
      h('section', {}, h('h2', {}, 'AWS resources'), resources),
    ),
  );
  return poll;
}

function newView(main) {
  const message = h('p', { class: 'message', id: 'create-message' });
  const select = (id, label, options) =>
    h(
      'div',
      { class: 'field' },
      h('label', { for: id }, label),
      h(
        'select',
        { id, name: id },
        options.map(([v, t]) => h('option', { value: v }, t)),
      ),
    );
  const form = h(
    'form',
    {
      id: 'create-form',
      class: 'create',
      novalidate: true,
      onsubmit: async (ev) => {
        ev.preventDefault();
        const v = (id) => form.elements[id].value.trim();
        const spec = { name: v('new-name') };
        if (v('new-image')) spec.image = v('new-image');
        if (v('new-port')) spec.containerPort = numberOrText(v('new-port'));
        if (v('new-count')) spec.desiredCount = numberOrText(v('new-count'));
        if (v('new-health')) spec.healthCheck = { path: v('new-health') };
        if (v('new-launch')) spec.launchType = v('new-launch');
        if (v('new-lb')) spec.loadBalancer = { mode: v('new-lb') };
        if (v('new-ttl')) spec.ttl = v('new-ttl');
        if (form.elements['new-keep'].checked) spec.keep = true;
        const button = form.querySelector('button');
        button.disabled = true;
        try {
          const answer = await api('POST', '/environments', spec);
          toast(accepted(answer));
          location.hash = `#/env/${encodeURIComponent(answer.env)}`;
        } catch (error) {
          say(message, 'error', error.message);
        } finally {
          button.disabled = false;
        }
      },
    },
    h(
      'fieldset',
      {},
      h('legend', {}, 'Environment spec'),
      field(
        'new-name',
        'Name',
        { required: true, spellcheck: 'false' },
        'lowercase letters, digits and hyphens',
      ),
      field('new-image', 'Image', { required: true, placeholder: 'berth/hello:1' }),
      field('new-port', 'Container port', { inputmode: 'numeric', placeholder: '80' }),
      field('new-count', 'Desired count', { inputmode: 'numeric', placeholder: '1' }),
      field('new-health', 'Health check path', { placeholder: '/' }),
      select('new-launch', 'Launch type', [
        ['', 'default (EC2)'],
        ['EC2', 'EC2'],
        ['FARGATE', 'Fargate'],
      ]),
      select('new-lb', 'Load balancer', [
        ['', 'default (dedicated)'],
        ['dedicated', 'dedicated ALB'],
        ['shared', 'rule on the shared ALB'],
      ]),
      field('new-ttl', 'Time to live', { placeholder: '24h' }, 'e.g. 8h or 2d'),
      h(
        'div',
        { class: 'field check' },
        h('input', { id: 'new-keep', name: 'new-keep', type: 'checkbox' }),
        h('label', { for: 'new-keep' }, 'Keep through the nightly teardown'),
      ),
      h('button', { type: 'submit' }, 'Create'),
    ),
    message,
  );
  main.replaceChildren(
    h('p', { class: 'crumbs' }, h('a', { href: '#/' }, '← Environments')),
    h('h1', { tabindex: '-1' }, 'New environment'),
    form,
  );
  return { start() {}, stop() {} };
}

function nightlyView(main) {
  const body = h('div', { id: 'nightly' }, h('p', { class: 'muted' }, 'Loading…'));
  main.replaceChildren(h('h1', { tabindex: '-1' }, 'Nightly report'), body);
  const list = (title, items, text) =>
    h(
      'section',
      { 'aria-label': title, 'data-list': title },
      h('h2', {}, `${title} (${items?.length ?? 0})`),
      items?.length
        ? h(
            'ul',
            {},
            items.map((i) => h('li', {}, text(i))),
          )
        : h('p', { class: 'muted' }, 'None.'),
    );
  return polling(async () => {
    let report;
    try {
      report = await api('GET', '/nightly/last');
    } catch (error) {
      body.replaceChildren(
        h(
          'p',
          { class: error.status === 404 ? 'muted' : 'message error', role: 'status' },
          error.status === 404 ? 'No nightly run has been recorded yet.' : error.message,
        ),
      );
      return;
    }
    const running = report.status === 'RUNNING';
    body.replaceChildren(
      h(
        'p',
        { id: 'nightly-run' },
        badge(String(report.status).toLowerCase()),
        report.dryRun ? ' dry run' : '',
        ' started ',
        time(report.startedAt),
        report.finishedAt ? [', finished ', time(report.finishedAt)] : '',
        h('br'),
        h('span', { class: 'muted' }, report.executionArn),
      ),
      report.error ? h('p', { class: 'message error' }, report.error) : null,
      running ? h('p', { class: 'muted' }, 'Still running: the report appears when it finishes.') : null,
      report.dryRun
        ? list('Would tear down', report.candidates, (i) => `${i.env}${i.reason ? `: ${i.reason}` : ''}`)
        : list('Torn down', report.tornDown, (i) => i.env),
      report.paused?.length ? list('Paused', report.paused, (i) => i.env) : null,
      list('Skipped', report.skipped, (i) => `${i.env}: ${i.reason}`),
      list('Failed', report.failed, (i) => `${i.env}: ${i.error}`),
    );
  });
}

// ---------------------------------------------------------------- router and ticker

function route() {
  view?.stop();
  const main = document.getElementById('main');
  const hash = location.hash || '#/';
  const match = /^#\/env\/(.+)$/.exec(hash);
  let current = 'list';
  if (match) {
    view = detailView(main, decodeURIComponent(match[1]));
    current = '';
  } else if (hash === '#/new') {
    view = newView(main);
    current = 'new';
  } else if (hash === '#/nightly') {
    view = nightlyView(main);
    current = 'nightly';
  } else view = listView(main);
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (a.dataset.nav === current) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.title = `Berth — ${match ? decodeURIComponent(match[1]) : current === 'new' ? 'new environment' : current === 'nightly' ? 'nightly report' : 'environments'}`;
  main.querySelector('h1')?.focus({ preventScroll: true });
  view.start();
}

function tick() {
  for (const el of document.querySelectorAll('[data-expires]')) {
    el.textContent = expiryText(el.dataset.expires, el.dataset.keep === '1');
  }
  for (const el of document.querySelectorAll('[data-since]')) {
    const text = duration(Date.now() - Date.parse(el.dataset.since));
    el.textContent = el.closest('.step-running') ? `for ${text}` : text;
  }
}

async function boot() {
  try {
    const response = await fetch('/config.json');
    config = { ...config, ...(await response.json()) };
  } catch {
    // defaults
  }
  document.getElementById('api-target').textContent = config.api ? `API ${config.api}` : '';
  window.addEventListener('hashchange', route);
  setInterval(tick, 1000);
  route();
}

boot();
