import { describe, expect, it } from 'vitest';
import { launchChromium } from './browser.ts';

describe('launchChromium', () => {
  it('fails, saying how to install Chromium, when it is missing (never skips)', async () => {
    await expect(launchChromium('/nonexistent/chromium')).rejects.toThrow(
      'the dashboard browser tests need Chromium at /nonexistent/chromium, which is missing. Install it with `apt-get update && apt-get install -y chromium` (.ci/run does this), or point BERTH_CHROMIUM at a Chromium binary.',
    );
  });
});
