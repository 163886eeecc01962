import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { slackSignature, verifySlackSignature } from '../../../functions/core/slack-signature.ts';

const secret = '8f742231b10e8888abcd99yyyzzz85a5';
const timestamp = '1531420618';
const rawBody =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&command=%2Fberth&text=status+demo&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2F1234';
const expected = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
const now = Number(timestamp) + 10;

/** Verifies the valid request above, with `overrides` applied. */
const verify = (overrides: Partial<Parameters<typeof verifySlackSignature>[0]> = {}) =>
  verifySlackSignature({
    signingSecret: secret,
    timestamp,
    rawBody,
    signature: expected,
    nowSeconds: now,
    ...overrides,
  });

describe('verifySlackSignature', () => {
  it('accepts a valid signature', () => {
    expect(verify()).toEqual({
      ok: true,
    });
  });

  it('accepts the raw body as bytes', () => {
    const bytes = new TextEncoder().encode(rawBody);
    expect(verify({ rawBody: bytes }).ok).toBe(true);
  });

  it.each([
    ['more than 5 minutes late', Number(timestamp) + 301],
    ['more than 5 minutes early', Number(timestamp) - 301],
  ])('rejects a request %s as stale', (_label, nowSeconds) => {
    expect(verify({ nowSeconds })).toEqual({
      ok: false,
      reason: 'stale',
    });
  });

  it('accepts a request exactly 5 minutes old', () => {
    const nowSeconds = Number(timestamp) + 300;
    expect(verify({ nowSeconds }).ok).toBe(true);
  });

  it('rejects a non-numeric timestamp as stale', () => {
    expect(verify({ timestamp: 'abc' })).toEqual({ ok: false, reason: 'stale' });
  });

  it.each([
    ['a tampered body', { rawBody: `${rawBody}&x=1` }],
    ['another secret', { signingSecret: 'other-secret' }],
    ['a flipped hex digit', { signature: `${expected.slice(0, -1)}${expected.endsWith('0') ? '1' : '0'}` }],
    ['a signature of a different length', { signature: `${expected}00` }],
    ['a signature without the v0= prefix', { signature: expected.slice(3) }],
  ])('rejects %s as a mismatch', (_label, overrides) => {
    expect(verify(overrides)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it.each([
    ['the signature', { signature: undefined }],
    ['the timestamp', { timestamp: undefined }],
    ['the signing secret', { signingSecret: '' }],
  ])('rejects a request without %s as missing', (_label, overrides) => {
    expect(verify(overrides)).toEqual({ ok: false, reason: 'missing' });
  });
});

describe('slackSignature', () => {
  it('is v0= and the hex HMAC-SHA256 of v0:timestamp:body', () => {
    expect(slackSignature(secret, timestamp, rawBody)).toBe(expected);
    expect(expected).toMatch(/^v0=[0-9a-f]{64}$/);
  });
});
