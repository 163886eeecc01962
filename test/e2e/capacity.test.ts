import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type E2EPlatform, spec, startE2EPlatform } from './helpers/platform.ts';

/**
 * `scale` against the capacity provider's managed scaling (docs/aws-behaviours.md): the local cloud
 * models managed scaling with managed termination protection, so the instance counts after a
 * scale-in show whether Berth let the provider drive the group. A task of 1536 MiB fills a
 * t3.small (1792 MiB usable): one task per instance.
 */
describe('scale lets managed scaling own the Auto Scaling group', () => {
  let e2e: E2EPlatform;

  beforeAll(async () => {
    e2e = await startE2EPlatform();
  });

  afterAll(async () => {
    await e2e?.stop();
  });

  async function group(): Promise<{ desired: number; live: number; protectedLive: number }> {
    const out = await e2e.clients.autoScaling.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['berth-cap-asg'] }),
    );
    const g = out.AutoScalingGroups?.[0];
    const live = (g?.Instances ?? []).filter(
      (i) => i.LifecycleState === 'InService' || i.LifecycleState === 'Pending',
    );
    return {
      desired: g?.DesiredCapacity ?? -1,
      live: live.length,
      protectedLive: live.filter((i) => i.ProtectedFromScaleIn).length,
    };
  }

  async function settle(predicate: (g: Awaited<ReturnType<typeof group>>) => boolean, ms: number) {
    const end = Date.now() + ms;
    let last = await group();
    while (!predicate(last) && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 50));
      last = await group();
    }
    return last;
  }

  it('runs three one-instance tasks on three instances', async () => {
    await e2e.operate(
      'POST',
      '/environments',
      spec('cap', {
        memory: 1536,
        desiredCount: 3,
        capacity: { instanceType: 't3.small', minSize: 1, maxSize: 3, desiredCapacity: 3 },
      }),
    );
    expect(await group()).toEqual({ desired: 3, live: 3, protectedLive: 3 });
  });

  it('leaves one instance after scaling in to one task (idle ones unprotected and terminated)', async () => {
    await e2e.operate('POST', '/environments/cap/scale', { desiredCount: 1 });
    // The scale-in period is 15 minutes of AWS time (1.8 s on the instant profile).
    const after = await settle((g) => g.live === 1 && g.desired === 1, 15_000);
    expect(after).toEqual({ desired: 1, live: 1, protectedLive: 1 });
  });

  it('grows again through managed scaling when scaling out to two tasks', async () => {
    await e2e.operate('POST', '/environments/cap/scale', { desiredCount: 2 });
    expect(await group()).toMatchObject({ desired: 2, live: 2 });
  });

  it('tears the environment down and leaves nothing tagged for it', async () => {
    await e2e.operate('DELETE', '/environments/cap');
    await e2e.assertNothingLeft('cap');
  });
});
