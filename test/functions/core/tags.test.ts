import { describe, expect, it } from 'vitest';
import { OwnershipConflictError } from '../../../functions/core/errors.ts';
import {
  assertOwned,
  fromAwsTags,
  fromEcsTags,
  isOwnedBy,
  ownershipTags,
  toAwsTags,
  toEcsTags,
} from '../../../functions/core/tags.ts';

describe('ownershipTags', () => {
  it('tags the env, the manager and the owner', () => {
    expect(ownershipTags('demo', 'ana@example.com')).toEqual({
      'berth:env': 'demo',
      'berth:managed-by': 'berth',
      'berth:owner': 'ana@example.com',
    });
  });
});

describe('isOwnedBy', () => {
  it.each([
    ['its own tags', { 'berth:env': 'demo', 'berth:managed-by': 'berth' }, true],
    ['another owner', { 'berth:env': 'demo', 'berth:managed-by': 'berth', 'berth:owner': 'bob' }, true],
    ['another environment', { 'berth:env': 'prod', 'berth:managed-by': 'berth' }, false],
    ['no manager tag', { 'berth:env': 'demo' }, false],
    ['another manager', { 'berth:env': 'demo', 'berth:managed-by': 'terraform' }, false],
    ['no tags', {}, false],
    ['undefined tags', undefined, false],
  ])('answers for %s', (_label, tags, owned) => {
    expect(isOwnedBy(tags, 'demo')).toBe(owned);
  });
});

describe('assertOwned', () => {
  it('passes for an owned resource', () => {
    expect(() => assertOwned('ECS cluster berth-demo', ownershipTags('demo', 'ana'), 'demo')).not.toThrow();
  });

  it('throws OwnershipConflictError naming the resource and env', () => {
    let error: unknown;
    try {
      assertOwned('ECS cluster berth-demo', { team: 'x' }, 'demo');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(OwnershipConflictError);
    expect(error).toMatchObject({
      name: 'OwnershipConflictError',
      resource: 'ECS cluster berth-demo',
      env: 'demo',
      message:
        'ECS cluster berth-demo exists but is not tagged as belonging to environment "demo" (berth:env/berth:managed-by); Berth will neither adopt nor delete it',
    });
  });
});

describe('tag list conversion', () => {
  const tags = { 'berth:env': 'demo', 'berth:owner': 'ana' };

  it('builds AWS {Key,Value} lists', () => {
    expect(toAwsTags(tags)).toEqual([
      { Key: 'berth:env', Value: 'demo' },
      { Key: 'berth:owner', Value: 'ana' },
    ]);
  });

  it('builds ECS {key,value} lists', () => {
    expect(toEcsTags(tags)).toEqual([
      { key: 'berth:env', value: 'demo' },
      { key: 'berth:owner', value: 'ana' },
    ]);
  });

  it('round-trips both list shapes', () => {
    expect(fromAwsTags(toAwsTags(tags))).toEqual(tags);
    expect(fromEcsTags(toEcsTags(tags))).toEqual(tags);
  });

  it('drops entries without a key and reads missing values as empty', () => {
    expect(fromAwsTags([{ Value: 'x' }, { Key: 'a' }])).toEqual({ a: '' });
    expect(fromEcsTags(undefined)).toEqual({});
  });
});
