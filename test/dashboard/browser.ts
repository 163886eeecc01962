import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium (`apt-get install -y chromium`); `BERTH_CHROMIUM` overrides the path. */
const CHROMIUM = process.env['BERTH_CHROMIUM'] ?? '/usr/bin/chromium';

/** Where the browser tests write their screenshots (git-ignored). */
const ARTIFACTS = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../test-artifacts/dashboard',
);

/**
 * Launches headless Chromium from the system's package. Fails — never skips — when it is missing,
 * saying how to install it: the browser tests are part of `npm test`, and `.ci/run` installs it.
 */
export async function launchChromium(executable = CHROMIUM): Promise<Browser> {
  if (!existsSync(executable)) {
    throw new Error(
      `the dashboard browser tests need Chromium at ${executable}, which is missing. Install it with ` +
        '`apt-get update && apt-get install -y chromium` (.ci/run does this), or point BERTH_CHROMIUM at a Chromium binary.',
    );
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({ executablePath: executable, args: ['--no-sandbox'], headless: true });
}

/** The path of a screenshot artifact. */
export const artifact = (name: string): string => path.join(ARTIFACTS, name);
