#!/usr/bin/env node
// Launcher: runs cli/main.ts through tsx (TypeScript without a build step).
import { register } from 'tsx/esm/api';

register();
const { run } = await import('../main.ts');
process.on('SIGINT', () => process.exit(130));
process.exitCode = await run(process.argv.slice(2));
